using Lep.Tests.Support;

namespace Lep.Tests.Cli;

public class CliTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("info", "--help")]
    public void HelpWorksOnEveryCommand(params string[] args)
    {
        var r = LepProcess.Run(args);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage", r.StdOut);
    }

    [Fact]
    public void EveryCommandHasHelp()
    {
        foreach (var command in Lep.Cli.LepCli.Build().Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), command.Name);
            foreach (var sub in command.Subcommands) Assert.False(string.IsNullOrWhiteSpace(sub.Description), sub.Name);
        }
    }

    [Fact]
    public void InfoDescribesAModelDir()
    {
        using var dir = new TempDir();
        using (var lm = TinyModels.Create("gqa")) lm.Save(dir.Path, Lep.Formats.DType.BF16);
        var r = LepProcess.Run("info", dir.Path, "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("\"Architecture\": \"LlamaForCausalLM\"", r.StdOut);
        Assert.Contains("\"BF16\"", r.StdOut);
        Assert.Contains("no tokenizer.json", r.StdOut);
    }

    [Fact]
    public void InfoOnTruncatedWeightsFailsWithOneLineAndExitCode2()
    {
        using var dir = new TempDir();
        using (var lm = TinyModels.Create("mha")) lm.Save(dir.Path);
        string weights = dir.File("model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var r = LepProcess.Run("info", dir.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        string line = Assert.Single(r.StdErr.TrimEnd().Split('\n'));
        Assert.Contains(weights, line);
        Assert.Contains("truncated", line);
    }

    [Theory]
    [InlineData("{\"architectures\":[\"BertModel\"]}", "unsupported architecture")]
    [InlineData("{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":8}", "missing or invalid field")]
    public void InfoOnBadConfigFailsWithExitCode2(string config, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), config);
        var r = LepProcess.Run("info", dir.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(dir.File("config.json"), r.StdErr);
        Assert.Contains(expected, r.StdErr);
    }

    [Fact]
    public void UsageErrorsExitWith2()
    {
        var r = LepProcess.Run("info");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("info --help", Assert.Single(r.StdErr.TrimEnd().Split('\n')));
    }
}
