using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>embedding</c> section: provider, model, dimensions and batching.</summary>
internal static class EmbeddingSection
{
    public static EmbeddingSettings Read(NodeReader reader, YamlMappingNode root)
    {
        var defaults = EmbeddingSettings.Default;
        if (reader.Mapping(root, "embedding", "") is not { } section)
        {
            return defaults;
        }

        reader.RejectUnknown(section, "embedding", ["provider", "model", "dimensions", "deployment", "max_batch_inputs", "max_batch_tokens", "store"]);
        var provider = reader.Enum(section, "provider", "embedding", defaults.Provider, new Dictionary<string, string>
        {
            [EmbeddingSettings.Local] = EmbeddingSettings.Local, [EmbeddingSettings.AzureOpenAI] = EmbeddingSettings.AzureOpenAI,
        });
        var model = reader.OptionalString(section, "model", "embedding") ?? defaults.Model;
        if (!Regex.IsMatch(model, "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant))
        {
            reader.Error(NodeReader.Child(section, "model")!, "embedding.model", "a model name of letters, digits, '.', '_' and '-'", model);
        }

        var dimensions = reader.Integer(section, "dimensions", "embedding", defaults.Dimensions, 8) ?? defaults.Dimensions;
        if (dimensions > 4096)
        {
            reader.Error(NodeReader.Child(section, "dimensions")!, "embedding.dimensions", "at most 4096", dimensions.ToString(CultureInfo.InvariantCulture));
        }

        var semantic = provider == EmbeddingSettings.Local && model == EmbeddingSettings.MiniLmModel;
        if (semantic && dimensions != EmbeddingSettings.MiniLmDimensions)
        {
            reader.Error(NodeReader.Child(section, "dimensions")!, "embedding.dimensions", $"{EmbeddingSettings.MiniLmDimensions} for the local {model} model", dimensions.ToString(CultureInfo.InvariantCulture));
        }

        // A CPU model runs best on small batches; a service takes up to its request limit.
        var batchInputs = semantic ? defaults.MaxBatchInputs : EmbeddingSettings.Lexical.MaxBatchInputs;
        var inputs = reader.Integer(section, "max_batch_inputs", "embedding", batchInputs, 1) ?? batchInputs;
        var tokens = reader.Integer(section, "max_batch_tokens", "embedding", defaults.MaxBatchTokens, 1) ?? defaults.MaxBatchTokens;
        var store = reader.Enum(section, "store", "embedding", EmbeddingSettings.ExactStore, new Dictionary<string, string>
        {
            [EmbeddingSettings.ExactStore] = EmbeddingSettings.ExactStore, [EmbeddingSettings.AzureAISearchStore] = EmbeddingSettings.AzureAISearchStore,
        });
        if (store == EmbeddingSettings.AzureAISearchStore && dimensions > 3072)
        {
            reader.Error(NodeReader.Child(section, "dimensions")!, "embedding.dimensions", "at most 3072 with store: azure-ai-search (its vector field limit)", dimensions.ToString(CultureInfo.InvariantCulture));
        }

        return new EmbeddingSettings(provider, model, dimensions, reader.OptionalString(section, "deployment", "embedding"), inputs, tokens, store);
    }
}
