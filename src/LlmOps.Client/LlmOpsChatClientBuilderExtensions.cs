using Microsoft.Extensions.AI;

namespace LlmOps.Client;

/// <summary>Adds the LlmOps middleware to a Microsoft.Extensions.AI pipeline.</summary>
public static class LlmOpsChatClientBuilderExtensions
{
    /// <summary>
    /// Serves <paramref name="feature"/>'s deployed prompt, guards each call and traces it to LlmOps
    /// (<see cref="LlmOpsChatClient"/>). Put it outermost, so the guardrails see what the user sent.
    /// </summary>
    public static ChatClientBuilder UseLlmOps(this ChatClientBuilder builder, string feature, LlmOpsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new LlmOpsChatClient(inner, feature, options));
    }

    /// <summary>Traces each embedding call to LlmOps (<see cref="LlmOpsEmbeddingGenerator"/>).</summary>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> UseLlmOps(this EmbeddingGeneratorBuilder<string, Embedding<float>> builder, string feature, LlmOpsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new LlmOpsEmbeddingGenerator(inner, feature, options));
    }
}
