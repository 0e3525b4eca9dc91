using System.Text;
using Lep.Tokenization;

namespace Lep.Tests.Tokenization;

/// <summary>A tiktoken rank file written from Llama-3's vocabulary loads into a tokenizer that encodes like the
/// HF Llama-3 tokenizer.json.</summary>
[Collection("TokenizerOracle")]
public sealed class TiktokenTests(OracleFixture fx)
{
    [SkippableFact]
    public void Rank_file_from_llama3_encodes_like_hf_llama3()
    {
        var l3 = fx.Ours["llama3"];
        var vocab = l3.Model.GetVocab();
        var path = Path.Combine(Path.GetTempPath(), $"lep-l3-{Environment.ProcessId}.tiktoken");
        try
        {
            using (var w = new StreamWriter(path, false, new UTF8Encoding(false)))
                foreach (var (tok, id) in vocab.OrderBy(kv => kv.Value))
                {
                    var bytes = new byte[tok.Length];
                    for (int i = 0; i < tok.Length; i++) bytes[i] = (byte)ByteLevel.ByteOf(tok[i]);
                    w.Write(Convert.ToBase64String(bytes));
                    w.Write(' ');
                    w.Write(id);
                    w.Write('\n');
                }
            var specials = new Dictionary<string, int>();
            foreach (var (id, t) in l3.AddedTokens.Tokens) specials[t.Content] = id;
            var tk = Tiktoken.Load(path, Tiktoken.Llama3Pattern, specials);
            Assert.Equal(l3.VocabSize, tk.VocabSize);
            var oracle = fx.Oracle["llama3"];
            foreach (var text in fx.Documents.Take(1500).Concat(fx.Fuzz.Take(1000)))
                Assert.Equal(OracleFixture.OracleEncode(oracle, text), tk.Encode(text, true));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
