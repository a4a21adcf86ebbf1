using System.Numerics.Tensors;

namespace LlmOps.Embeddings;

/// <summary>Scales vectors to unit length, so a dot product is their cosine similarity.</summary>
public static class UnitVector
{
    /// <summary>Divides <paramref name="vector"/> by its L2 norm in place; a zero vector stays zero.</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = MathF.Sqrt(TensorPrimitives.SumOfSquares(vector));
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }
}
