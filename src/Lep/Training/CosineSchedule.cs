namespace Lep.Training;

/// <summary>Linear warm-up to the peak learning rate, then cosine decay to peak × minRatio at the last step.</summary>
internal static class CosineSchedule
{
    public static double At(int step, TrainingOptions o)
    {
        if (o.WarmupSteps > 0 && step < o.WarmupSteps) return o.LearningRate * (step + 1) / o.WarmupSteps;
        int decaySteps = Math.Max(1, o.Steps - o.WarmupSteps - 1);
        double progress = Math.Clamp((step - o.WarmupSteps) / (double)decaySteps, 0, 1);
        double min = o.LearningRate * o.MinLearningRateRatio;
        return min + (o.LearningRate - min) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
