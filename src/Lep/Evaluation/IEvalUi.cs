namespace Lep.Evaluation;

/// <summary>Where an evaluation reports: a progress display per step and one-line notes.</summary>
public interface IEvalUi
{
    T Step<T>(string label, Func<IProgress<double>, T> work);
    void Note(string line);
}

public sealed class SilentUi : IEvalUi
{
    public static readonly SilentUi Instance = new();
    public T Step<T>(string label, Func<IProgress<double>, T> work) => work(new Progress<double>());
    public void Note(string line) { }
}
