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

    /// <summary>A line for the user between progress displays (a warning, what was written).</summary>
    void Note(string line);
}

/// <summary>Reports nothing.</summary>
public class SilentUi : IJobUi
{
    /// <summary>The one instance (it holds no state).</summary>
    public static readonly SilentUi Instance = new();

    /// <summary>Runs <paramref name="work"/> without showing its progress.</summary>
    public T Step<T>(string label, Func<IProgress<double>, T> work) => work(new Progress<double>());

    /// <summary>Runs <paramref name="work"/> without showing its phases or steps.</summary>
    public T Train<T>(string label, Func<IProgress<(string Stage, double Fraction)>, IProgress<TrainingProgress>, T> work) =>
        work(new Progress<(string, double)>(), new Progress<TrainingProgress>());

    /// <summary>Drops the line.</summary>
    public virtual void Note(string line) { }
}
