using System.Numerics.Tensors;

namespace LlmOps.Drift;

/// <summary>
/// Can a classifier tell reference from current? A logistic regression (standardized features, L2, gradient descent)
/// trained on half of each sample and scored on the other half; ROC AUC near 0.5 means no drift, towards 1 means the
/// samples are distinguishable. Deterministic for a seed.
/// </summary>
public static class DomainClassifier
{
    public static double RocAuc(IReadOnlyList<float[]> reference, IReadOnlyList<float[]> current, int seed = 23, int epochs = 60)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var rows = reference.Select(v => (Vector: v, Label: 0)).Concat(current.Select(v => (Vector: v, Label: 1))).ToArray();
        new Random(seed).Shuffle(rows);
        var train = rows.Where((_, i) => i % 2 == 0).ToArray();
        var test = rows.Where((_, i) => i % 2 == 1).ToArray();
        if (train.Select(r => r.Label).Distinct().Count() < 2 || test.Select(r => r.Label).Distinct().Count() < 2)
        {
            throw new ArgumentException("Both halves need reference and current rows.");
        }

        var dimensions = rows[0].Vector.Length;
        var mean = new float[dimensions];
        var scale = new float[dimensions];
        foreach (var (vector, _) in train)
        {
            TensorPrimitives.Add(mean, vector, mean);
        }

        TensorPrimitives.Divide(mean, train.Length, mean);
        var centered = new float[dimensions];
        foreach (var (vector, _) in train)
        {
            TensorPrimitives.Subtract(vector, mean, centered);
            TensorPrimitives.MultiplyAdd(centered, centered, scale, scale);
        }

        for (var d = 0; d < dimensions; d++)
        {
            scale[d] = scale[d] > 0 ? 1f / MathF.Sqrt(scale[d] / train.Length) : 0f;
        }

        float[] Standardize(float[] vector)
        {
            var z = new float[dimensions];
            TensorPrimitives.Subtract(vector, mean, z);
            TensorPrimitives.Multiply(z, scale, z);
            return z;
        }

        var trainZ = train.Select(r => Standardize(r.Vector)).ToArray();
        var weights = new float[dimensions];
        var gradient = new float[dimensions];
        var bias = 0.0;
        const float rate = 0.1f, l2 = 0.01f;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            Array.Clear(gradient);
            var biasGradient = 0.0;
            for (var i = 0; i < trainZ.Length; i++)
            {
                var p = 1 / (1 + Math.Exp(-(TensorPrimitives.Dot(weights, trainZ[i]) + bias)));
                var error = (float)(p - train[i].Label);
                TensorPrimitives.MultiplyAdd(trainZ[i], error, gradient, gradient);
                biasGradient += error;
            }

            TensorPrimitives.Multiply(gradient, 1f / trainZ.Length, gradient);
            TensorPrimitives.MultiplyAdd(weights, l2, gradient, gradient);
            TensorPrimitives.MultiplyAdd(gradient, -rate, weights, weights);
            bias -= rate * biasGradient / trainZ.Length;
        }

        var scores = test.Select(r => (double)TensorPrimitives.Dot(weights, Standardize(r.Vector)) + bias).ToArray();
        return DriftStatistics.RocAuc(scores, test.Select(r => r.Label).ToArray());
    }
}
