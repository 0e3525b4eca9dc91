using Lep.Training;

namespace Lep;

/// <summary>
/// Where a long job reports (evaluation, the zoo build, the demo, a pipeline's stages): a progress display per step,
/// training progress with named phases, and one-line notes. The CLI implements it once (ConsoleJobUi).
/// </summary>
public interface IJobUi
{
    /// <summary>Work that reports the fraction done, in [0, 1].</summary>
    T Step<T>(string label, Func<IProgress<double>, T> work);

    /// <summary>Work that reports named phases (e.g. tokenizing, the teacher answering) and optimizer steps.</summary>
    T Train<T>(string label, Func<IProgress<(string Stage, double Fraction)>, IProgress<TrainingProgress>, T> work);

    void Note(string line);
}

/// <summary>Reports nothing.</summary>
public class SilentUi : IJobUi
{
    public static readonly SilentUi Instance = new();

    public T Step<T>(string label, Func<IProgress<double>, T> work) => work(new Progress<double>());

    public T Train<T>(string label, Func<IProgress<(string Stage, double Fraction)>, IProgress<TrainingProgress>, T> work) =>
        work(new Progress<(string, double)>(), new Progress<TrainingProgress>());

    public virtual void Note(string line) { }
}
