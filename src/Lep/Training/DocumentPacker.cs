namespace Lep.Training;

/// <summary>
/// One packed row of length T: documents laid end to end, with each token's document number and its position inside
/// its document (positions restart at every document, attention never crosses one), and next-token targets
/// (<see cref="DocumentPacker.IgnoreIndex"/> where the next token belongs to another document, is not to be learned,
/// or there is none).
/// </summary>
internal sealed record PackedRow(long[] Tokens, long[] DocumentIds, long[] Positions, long[] Targets);

/// <summary>A tokenised training document; <see cref="Learn"/>[i] false = token i is context only (e.g. a prompt in SFT).</summary>
internal sealed record TrainingDocument(int[] Tokens, bool[]? Learn = null)
{
    public static implicit operator TrainingDocument(int[] tokens) => new(tokens);
}

/// <summary>Packs tokenised documents into fixed-length rows.</summary>
internal static class DocumentPacker
{
    public const long IgnoreIndex = -100;

    public static List<PackedRow> Pack(IEnumerable<int[]> documents, int rowLength, bool padLast = true, int padToken = 0) =>
        Pack(documents.Select(d => new TrainingDocument(d)), rowLength, padLast, padToken);

    /// <summary>Packs in the given order; the last row is padded (targets ignored) when <paramref name="padLast"/>.</summary>
    public static List<PackedRow> Pack(IEnumerable<TrainingDocument> documents, int rowLength, bool padLast = true, int padToken = 0)
    {
        if (rowLength < 2) throw new ArgumentOutOfRangeException(nameof(rowLength));
        var rows = new List<PackedRow>();
        var tokens = new List<long>(rowLength);
        var docs = new List<long>(rowLength);
        var positions = new List<long>(rowLength);
        var learn = new List<bool>(rowLength);
        long docCounter = 0;

        void Flush(bool pad)
        {
            if (tokens.Count == 0) return;
            if (tokens.Count < rowLength && !pad) { tokens.Clear(); docs.Clear(); positions.Clear(); learn.Clear(); return; }
            long padDoc = -1;
            while (tokens.Count < rowLength) { tokens.Add(padToken); docs.Add(padDoc--); positions.Add(0); learn.Add(false); }
            var targets = new long[rowLength];
            for (int i = 0; i < rowLength; i++)
                targets[i] = i + 1 < rowLength && docs[i + 1] == docs[i] && learn[i + 1] ? tokens[i + 1] : IgnoreIndex;
            rows.Add(new PackedRow(tokens.ToArray(), docs.ToArray(), positions.ToArray(), targets));
            tokens.Clear(); docs.Clear(); positions.Clear(); learn.Clear();
        }

        foreach (TrainingDocument document in documents)
        {
            int[] ids = document.Tokens;
            if (document.Learn is { } mask && mask.Length != ids.Length) throw new ArgumentException("loss mask and tokens differ in length");
            // A document longer than a row is split, and each piece is treated as a document of its own (positions
            // restart), as it would be seen when read from that point. One that fits in a row is never split: it starts
            // a new row when the current one has no room for it, because a piece of a short document (the second half
            // of a copy task, a reply without its prompt) teaches the model to answer what it cannot see.
            int start = 0;
            while (ids.Length - start >= 2)
            {
                int room = rowLength - tokens.Count;
                if (room < 2 || (ids.Length <= rowLength && ids.Length > room)) { Flush(pad: true); room = rowLength; }
                int length = Math.Min(room, ids.Length - start);
                long id = docCounter++;
                for (int i = 0; i < length; i++)
                {
                    tokens.Add(ids[start + i]);
                    docs.Add(id);
                    positions.Add(i);
                    learn.Add(document.Learn?[start + i] ?? true);
                }
                start += length;
                if (tokens.Count == rowLength) Flush(pad: false);
            }
        }
        Flush(padLast);
        return rows;
    }
}
