using Lep.Cli.Commands;
using Lep.Training;
using Lep.Zoo;

namespace Lep.Cli;

/// <summary>Progress bars on stderr for evaluation and for multi-stage jobs that train.</summary>
public class ConsoleEvalUi : IZooUi
{
    public T Step<T>(string label, Func<IProgress<double>, T> work) => ConsoleUi.WithProgress(label, work);

    public void Note(string line) => Console.Error.WriteLine(line);

    public TrainingResult Train(string label, Func<IProgress<TrainingProgress>, TrainingResult> work) => TrainingConsole.Show(label, work);
}
