using System.Buffers.Binary;
using System.Text;

namespace Lep.Data.Corpus;

/// <summary>
/// GNU gettext binary catalogs (.mo): magic 0x950412de (either byte order), revision, N, offset of the original
/// string table, offset of the translation table; each table holds N (length, offset) pairs of u32.
/// </summary>
internal static class MoCatalog
{
    public const uint Magic = 0x950412de;

    /// <summary>msgid → msgstr pairs in file order; the header (empty msgid), contexts ("ctx\u0004id" → id) and
    /// plural forms (only the first of each) are handled; untranslated entries are skipped.</summary>
    public static List<(string Id, string Str)> Read(byte[] data, string path)
    {
        if (data.Length < 28) throw new LepInputException(path, $"not a .mo catalog: {data.Length} bytes, the header alone needs 28");
        bool little = BinaryPrimitives.ReadUInt32LittleEndian(data) == Magic;
        if (!little && BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
            throw new LepInputException(path, $"not a .mo catalog: magic 0x{BinaryPrimitives.ReadUInt32LittleEndian(data):x8}");
        uint U32(long at)
        {
            if (at < 0 || at + 4 > data.Length) throw new LepInputException(path, $"truncated .mo catalog: offset {at} beyond {data.Length} bytes");
            var span = data.AsSpan((int)at, 4);
            return little ? BinaryPrimitives.ReadUInt32LittleEndian(span) : BinaryPrimitives.ReadUInt32BigEndian(span);
        }
        uint revision = U32(4);
        if (revision >> 16 > 1) throw new LepInputException(path, $"unsupported .mo revision {revision >> 16}");
        uint count = U32(8), originals = U32(12), translations = U32(16);
        if ((long)count * 8 > data.Length) throw new LepInputException(path, $".mo catalog claims {count} strings in {data.Length} bytes");
        string Str(uint table, uint i)
        {
            uint length = U32(table + 8L * i), offset = U32(table + 8L * i + 4);
            if ((long)offset + length > data.Length) throw new LepInputException(path, $"truncated .mo catalog: string {i} at {offset}+{length} beyond {data.Length} bytes");
            return Encoding.UTF8.GetString(data, (int)offset, (int)length);
        }
        var pairs = new List<(string, string)>((int)count);
        for (uint i = 0; i < count; i++)
        {
            string id = Str(originals, i), str = Str(translations, i);
            if (id.Length == 0) continue; // header
            int ctx = id.IndexOf('\u0004');
            if (ctx >= 0) id = id[(ctx + 1)..];
            id = id.Split('\0')[0];
            str = str.Split('\0')[0];
            if (str.Length == 0) continue;
            pairs.Add((id, str));
        }
        return pairs;
    }

    /// <summary>Writes a minimal little-endian catalog (used by tests and for round trips).</summary>
    public static byte[] Write(IReadOnlyList<(string Id, string Str)> entries)
    {
        var sorted = entries.OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        int n = sorted.Count;
        int originals = 28, translations = originals + 8 * n, strings = translations + 8 * n;
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(Magic);
        w.Write(0u);
        w.Write((uint)n);
        w.Write((uint)originals);
        w.Write((uint)translations);
        w.Write(0u); // hash table size
        w.Write((uint)strings);
        var ids = sorted.Select(e => Encoding.UTF8.GetBytes(e.Id)).ToList();
        var strs = sorted.Select(e => Encoding.UTF8.GetBytes(e.Str)).ToList();
        int at = strings;
        var idOffsets = new List<int>();
        foreach (byte[] b in ids) { idOffsets.Add(at); at += b.Length + 1; }
        var strOffsets = new List<int>();
        foreach (byte[] b in strs) { strOffsets.Add(at); at += b.Length + 1; }
        for (int i = 0; i < n; i++) { w.Write((uint)ids[i].Length); w.Write((uint)idOffsets[i]); }
        for (int i = 0; i < n; i++) { w.Write((uint)strs[i].Length); w.Write((uint)strOffsets[i]); }
        foreach (byte[] b in ids) { w.Write(b); w.Write((byte)0); }
        foreach (byte[] b in strs) { w.Write(b); w.Write((byte)0); }
        w.Flush();
        return ms.ToArray();
    }
}
