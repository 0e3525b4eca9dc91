using Lep.Adaptation.Propagation;

namespace Lep.Demo;

/// <summary>
/// Sizes of the LEP demo on the zoo pair, chosen so the whole run (vocabularies, three donors, nine propagations,
/// calibration, evaluation of every model) stays under 15 minutes on 2 cores. Saved as demo-recipe.json.
/// </summary>
public sealed record DemoRecipe
{
    public int Seed { get; init; } = 1;

    /// <summary>Size of the replacing Russian vocabularies (BPE and Unigram), like the zoo's own.</summary>
    public int VocabSize { get; init; } = 8192;
    /// <summary>Russian tokens added to the zoo's English-centric BPE for the extended vocabulary.</summary>
    public int ExtendBy { get; init; } = 4096;

    // Donor: embeddings + head trained on Russian (and the little English of the corpus); everything else frozen.
    public int DonorSteps { get; init; } = 150;
    public int DonorBatch { get; init; } = 8;
    public int BlockSize { get; init; } = 128;
    public double DonorLearningRate { get; init; } = 3e-3;
    public int DonorWarmup { get; init; } = 15;

    public IReadOnlyList<PropagationMode> Modes { get; init; } = [PropagationMode.Swap, PropagationMode.Overlap, PropagationMode.Conversion];

    // Calibration of the best LEP model: self-calibration on task prompts + the copy task, LoRA.
    public int CalibrationPrompts { get; init; } = 96;
    public int CalibrationCopy { get; init; } = 96;
    public int CalibrationSteps { get; init; } = 60;
    public double CalibrationLearningRate { get; init; } = 1e-3;

    /// <summary>Items per evaluation task.</summary>
    public int EvalItems { get; init; } = 60;

    /// <summary>
    /// Also propagate the base's own vocabulary (donor = base) with overlap and conversion: LEP's premise as a row of
    /// the table — the result must score like the instruct model itself.
    /// </summary>
    public bool PremiseCheck { get; init; } = true;

    public string Name { get; init; } = "default";

    public static DemoRecipe Default { get; } = new();

    /// <summary>The reference table (README, docs): intervals narrow enough to read, donors trained longer.</summary>
    public static DemoRecipe Full { get; } = new() { Name = "full", EvalItems = 300, DonorSteps = 600, DonorWarmup = 40, CalibrationSteps = 150, CalibrationPrompts = 192, CalibrationCopy = 192 };

    /// <summary>Seconds, not minutes: the same stages at toy sizes (tests).</summary>
    public static DemoRecipe Smoke { get; } = new()
    {
        Name = "smoke",
        VocabSize = 600, ExtendBy = 64, DonorSteps = 4, DonorBatch = 2, BlockSize = 64, DonorWarmup = 1,
        CalibrationPrompts = 4, CalibrationCopy = 4, CalibrationSteps = 3, EvalItems = 3,
    };
}
