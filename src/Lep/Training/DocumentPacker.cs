namespace Lep.Training;

/// <summary>
/// One packed row of length T: documents laid end to end, with each token's document number and its position inside
/// its document (positions restart at every document, attention never crosses one), and next-token targets
/// (<see cref="IgnoreIndex"/> where the next token belongs to another document or there is none).
/// </summary>
public sealed record PackedRow(long[] Tokens, long[] DocumentIds, long[] Positions, long[] Targets);

/// <summary>Packs tokenised documents into fixed-length rows.</summary>
public static class DocumentPacker
{
    public const long IgnoreIndex = -100;

    /// <summary>Packs in the given order; the last row is padded (targets ignored) when <paramref name="padLast"/>.</summary>
    public static List<PackedRow> Pack(IEnumerable<int[]> documents, int rowLength, bool padLast = true, int padToken = 0)
    {
        if (rowLength < 2) throw new ArgumentOutOfRangeException(nameof(rowLength));
        var rows = new List<PackedRow>();
        var tokens = new List<long>(rowLength);
        var docs = new List<long>(rowLength);
        var positions = new List<long>(rowLength);
        long docCounter = 0;

        void Flush(bool pad)
        {
            if (tokens.Count == 0) return;
            if (tokens.Count < rowLength && !pad) { tokens.Clear(); docs.Clear(); positions.Clear(); return; }
            long padDoc = -1;
            while (tokens.Count < rowLength) { tokens.Add(padToken); docs.Add(padDoc--); positions.Add(0); }
            var targets = new long[rowLength];
            for (int i = 0; i < rowLength; i++)
                targets[i] = i + 1 < rowLength && docs[i + 1] == docs[i] && docs[i] >= 0 ? tokens[i + 1] : IgnoreIndex;
            rows.Add(new PackedRow(tokens.ToArray(), docs.ToArray(), positions.ToArray(), targets));
            tokens.Clear(); docs.Clear(); positions.Clear();
        }

        foreach (int[] document in documents)
        {
            // Rows are filled completely: a document that does not fit is split, and each piece is treated as a
            // document of its own (positions restart), as it would be seen when read from that point.
            int start = 0;
            while (document.Length - start >= 2)
            {
                int room = rowLength - tokens.Count;
                if (room < 2) { Flush(pad: true); room = rowLength; }
                int length = Math.Min(room, document.Length - start);
                long id = docCounter++;
                for (int i = 0; i < length; i++)
                {
                    tokens.Add(document[start + i]);
                    docs.Add(id);
                    positions.Add(i);
                }
                start += length;
                if (tokens.Count == rowLength) Flush(pad: false);
            }
        }
        Flush(padLast);
        return rows;
    }
}
