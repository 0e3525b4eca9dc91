namespace Lep.Adaptation.EmbeddingInit;

/// <summary>
/// The OMP baseline (FOCUS / mergekit-tokensurgeon style, simplified): a new token is written as a sparse combination
/// of tokens both vocabularies share. Those tools find the combination in an auxiliary embedding space where the new
/// token exists (fastText trained on target text, or a donor model); at init time no such space exists, so the
/// features here are the tokens' spellings: L2-normalised bags of character 2–4-grams (with word-boundary marks).
/// Orthogonal matching pursuit picks up to k shared tokens that reconstruct the new token's features, least squares
/// gives their coefficients, and the row is that combination of the old rows — negatives dropped and the rest
/// normalised to sum 1 so the row stays on the scale of real rows (FOCUS uses a convex combination too).
/// </summary>
internal sealed class SparseOmp
{
    private readonly List<Dictionary<string, double>> _atoms = [];
    private readonly List<int> _atomIds = [];
    private readonly Dictionary<string, List<int>> _index = new(StringComparer.Ordinal);
    private const int MaxPosting = 5000;
    private const int MaxCandidates = 64;

    public int Atoms { get; }

    /// <param name="shared">(old id, text) of the tokens present in both vocabularies.</param>
    public SparseOmp(IEnumerable<(int OldId, string Text)> shared, int atoms = 8)
    {
        Atoms = atoms;
        foreach (var (id, text) in shared)
        {
            var f = Features(text);
            if (f.Count == 0) continue;
            int k = _atoms.Count;
            _atoms.Add(f);
            _atomIds.Add(id);
            foreach (string g in f.Keys)
            {
                if (!_index.TryGetValue(g, out var list)) _index[g] = list = [];
                list.Add(k);
            }
        }
    }

    public static Dictionary<string, double> Features(string text)
    {
        string s = "^" + text.Replace(' ', '\u2581') + "$";
        var f = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int n = 2; n <= 4; n++)
            for (int i = 0; i + n <= s.Length; i++)
            {
                string g = s.Substring(i, n);
                f[g] = f.GetValueOrDefault(g) + 1;
            }
        double norm = Math.Sqrt(f.Values.Sum(x => x * x));
        foreach (string k in f.Keys.ToList()) f[k] /= norm;
        return f;
    }

    private static double Dot(Dictionary<string, double> a, Dictionary<string, double> b)
    {
        if (a.Count > b.Count) (a, b) = (b, a);
        double s = 0;
        foreach (var (k, v) in a) if (b.TryGetValue(k, out double w)) s += v * w;
        return s;
    }

    /// <summary>Old ids and convex weights for <paramref name="text"/>, or null when no shared token resembles it.</summary>
    public (int[] Ids, double[] Weights)? Combine(string text)
    {
        var target = Features(text);
        if (target.Count == 0) return null;
        var seen = new HashSet<int>();
        foreach (string g in target.Keys)
            if (_index.TryGetValue(g, out var list) && list.Count <= MaxPosting)
                foreach (int k in list) seen.Add(k);
        if (seen.Count == 0) return null;
        int[] candidates = seen.OrderByDescending(k => Dot(target, _atoms[k])).ThenBy(k => k).Take(MaxCandidates).ToArray();

        var chosen = new List<int>();
        var residual = new Dictionary<string, double>(target);
        double[] coef = [];
        for (int step = 0; step < Math.Min(Atoms, candidates.Length); step++)
        {
            int best = -1;
            double bestScore = 1e-9;
            foreach (int k in candidates)
            {
                if (chosen.Contains(k)) continue;
                double score = Math.Abs(Dot(residual, _atoms[k]));
                if (score > bestScore) { bestScore = score; best = k; }
            }
            if (best < 0) break;
            chosen.Add(best);
            coef = LeastSquares(chosen, target);
            residual = new Dictionary<string, double>(target);
            for (int j = 0; j < chosen.Count; j++)
                foreach (var (g, v) in _atoms[chosen[j]]) residual[g] = residual.GetValueOrDefault(g) - coef[j] * v;
            if (Math.Sqrt(residual.Values.Sum(x => x * x)) < 1e-6) break;
        }
        if (chosen.Count == 0) return null;
        double[] w = coef.Select(c => Math.Max(0, c)).ToArray();
        double sum = w.Sum();
        if (!(sum > 0)) return null;
        var ids = new List<int>();
        var weights = new List<double>();
        for (int j = 0; j < chosen.Count; j++)
            if (w[j] > 0) { ids.Add(_atomIds[chosen[j]]); weights.Add(w[j] / sum); }
        return (ids.ToArray(), weights.ToArray());
    }

    /// <summary>Coefficients minimising ‖target − Σ c_j atom_j‖ (Gram system with a tiny ridge, Gaussian elimination).</summary>
    private double[] LeastSquares(List<int> chosen, Dictionary<string, double> target)
    {
        int k = chosen.Count;
        var a = new double[k, k + 1];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) a[i, j] = Dot(_atoms[chosen[i]], _atoms[chosen[j]]) + (i == j ? 1e-9 : 0);
            a[i, k] = Dot(_atoms[chosen[i]], target);
        }
        for (int c = 0; c < k; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < k; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
            for (int j = 0; j <= k; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            for (int r = 0; r < k; r++)
            {
                if (r == c || a[c, c] == 0) continue;
                double f = a[r, c] / a[c, c];
                for (int j = c; j <= k; j++) a[r, j] -= f * a[c, j];
            }
        }
        var x = new double[k];
        for (int i = 0; i < k; i++) x[i] = a[i, i] == 0 ? 0 : a[i, k] / a[i, i];
        return x;
    }
}
