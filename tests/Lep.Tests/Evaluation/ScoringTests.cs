using Lep.Evaluation.Prompts;
using Lep.Evaluation.Running;
using Lep.Evaluation.Tasks;
using Lep.Modeling;
using static TorchSharp.torch;

namespace Lep.Tests.Evaluation;

public sealed class ScoringTests
{
    private static EvalModel InMemory(LlamaForCausalLM lm, int merges = 0) =>
        new("tiny", "/nonexistent", lm, EvalFixtures.Tokenizer(merges, "кот собака дом the cat"), PlainPromptFormatter.Instance);

    /// <summary>Σ log p(ids[i] | ids[..i]) for i ≥ from, from one plain forward pass over the whole sequence.</summary>
    private static double ForwardSum(LlamaForCausalLM lm, int[] ids, int from)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor logits = lm.Forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
        Tensor logp = nn.functional.log_softmax(logits, -1);
        double total = 0;
        for (int i = from; i < ids.Length; i++) total += logp[0, i - 1, ids[i]].item<float>();
        return total;
    }

    [Fact]
    public void Multiple_choice_log_likelihood_equals_a_plain_forward_pass()
    {
        using var lm = EvalFixtures.Model(seed: 3);
        var model = InMemory(lm, merges: 10);
        var item = new ChoiceItem("m1", 1, "Question: cat\nAnswer:", ["кот", "собака", "дом"], 0);
        var task = new EvalTask("mc", TaskKind.MultipleChoice, "multiple_choice", "mc.jsonl", "", [item], "accuracy");
        var result = MultipleChoiceRunner.Run(model, task, [], [item], batchSize: 2);
        var logprobs = result.Items[0]!["logprobs"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();

        string context = PlainPromptFormatter.Instance.Format([], item.Prompt);
        int[] ctx = model.EncodePrompt(context);
        for (int c = 0; c < item.Choices.Count; c++)
        {
            int[] full = model.EncodePrompt(context + item.Choices[c]);
            Assert.Equal(ctx, full[..ctx.Length]);
            Assert.Equal(ForwardSum(lm, full, ctx.Length), logprobs[c], 4);
        }
        int best = Array.IndexOf(logprobs, logprobs.Max());
        Assert.Equal(best == 0 ? 1.0 : 0.0, result.Metrics["accuracy"]);
        Assert.Equal(1, result.N);
    }

    [Fact]
    public void Bits_per_char_equals_total_nll_over_chars_ln2()
    {
        using var lm = EvalFixtures.Model(seed: 4);
        var model = InMemory(lm);
        var docs = new EvalItem[] { new DocumentItem("d1", 1, "Кот спит."), new DocumentItem("d2", 3, "The cat sleeps.\nOn the mat.") };
        var task = new EvalTask("lm", TaskKind.LanguageModeling, "text", "lm.txt", "", docs, "bits_per_char");
        var result = LanguageModelingRunner.Run(model, task, docs, batchSize: 4);

        double nll = 0;
        long chars = 0, bytes = 0, tokens = 0;
        foreach (DocumentItem d in docs.Cast<DocumentItem>())
        {
            int[] ids = model.Tokenizer.Encode(d.Text, addSpecialTokens: false);
            nll -= ForwardSum(lm, [EvalFixtures.Bos, .. ids], 1);
            chars += d.Text.EnumerateRunes().Count();
            bytes += System.Text.Encoding.UTF8.GetByteCount(d.Text);
            tokens += ids.Length;
        }
        Assert.Equal(nll, result.Metrics["nll_nats"], 3);
        Assert.Equal(nll / (chars * Math.Log(2)), result.Metrics["bits_per_char"], 5);
        Assert.Equal(nll / (bytes * Math.Log(2)), result.Metrics["bits_per_byte"], 5);
        Assert.Equal(chars / (double)tokens, result.Metrics["chars_per_token"], 10);
        Assert.Equal(0, result.Metrics["unscored_tokens"]);
    }

    [Fact]
    public void Long_documents_are_scored_in_windows_covering_every_token()
    {
        using var lm = EvalFixtures.Model(seed: 5);
        var model = InMemory(lm);
        string text = string.Concat(Enumerable.Repeat("Длинный документ. ", 20));   // > 256 byte tokens: several windows
        var docs = new EvalItem[] { new DocumentItem("d1", 1, text) };
        var task = new EvalTask("lm", TaskKind.LanguageModeling, "text", "lm.txt", "", docs, "bits_per_char");
        var result = LanguageModelingRunner.Run(model, task, docs, batchSize: 4);
        int tokens = model.Tokenizer.Encode(text, false).Length;
        Assert.True(tokens > 256);
        Assert.Equal(tokens, result.Metrics["tokens"]);
        // A random model over 300 tokens: about ln(300) nats per token.
        double perToken = result.Metrics["nll_nats"] / tokens;
        Assert.InRange(perToken, 0.5 * Math.Log(300), 2 * Math.Log(300));
    }

    [Fact]
    public void Generation_is_greedy_and_scored_against_references()
    {
        using var lm = EvalFixtures.Model(seed: 6);
        var model = InMemory(lm);
        var items = new EvalItem[] { new GenerationItem("g1", 1, "Repeat this text exactly:\nкот", ["кот"]) };
        var task = new EvalTask("copy", TaskKind.Generation, "copy", "copy.jsonl", "", items, "exact_match");
        var a = GenerationRunner.Run(model, task, [], items, maxNewTokens: 16);
        var b = GenerationRunner.Run(model, task, [], items, maxNewTokens: 16);
        string prediction = a.Items[0]!["prediction"]!.GetValue<string>();
        Assert.Equal(prediction, b.Items[0]!["prediction"]!.GetValue<string>());
        Assert.DoesNotContain("\n", prediction);
        Assert.Equal(Lep.Evaluation.Metrics.ChrF.Sentence(prediction, "кот") / 100, a.Metrics["chrf"], 8);
    }
}
