using Microsoft.Extensions.AI;

namespace LlmOps.Embeddings;

/// <summary>What the local generators answer to <c>GetService</c>: their metadata, and themselves.</summary>
internal static class GeneratorServices
{
    public static object? Get(object generator, EmbeddingGeneratorMetadata metadata, Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? metadata
            : serviceType.IsInstanceOfType(generator) ? generator
            : null;
    }
}
