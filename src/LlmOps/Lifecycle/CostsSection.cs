using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>costs</c> section: per model, the price of 1,000 input, output and cached input tokens (USD).</summary>
internal static class CostsSection
{
    public static Dictionary<string, ModelPrice> Read(NodeReader reader, YamlMappingNode root)
    {
        var prices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        if (reader.Mapping(root, "costs", "") is not { } section)
        {
            return prices;
        }

        foreach (var (key, node) in section.Children)
        {
            var model = ((YamlScalarNode)key).Value ?? "";
            var at = "costs." + model;
            if (node is not YamlMappingNode price)
            {
                reader.Error(node, at, "a mapping with input_per_1k and output_per_1k", NodeReader.Describe(node));
                continue;
            }

            reader.RejectUnknown(price, at, ["input_per_1k", "output_per_1k", "cached_input_per_1k"]);
            if (NodeReader.Child(price, "input_per_1k") is null || NodeReader.Child(price, "output_per_1k") is null)
            {
                reader.Error(price, at, "input_per_1k and output_per_1k", "a price without them");
                continue;
            }

            var input = reader.Number(price, "input_per_1k", at, 0, 0, 1000);
            var output = reader.Number(price, "output_per_1k", at, 0, 0, 1000);

            var cached = reader.OptionalNumber(price, "cached_input_per_1k", at);
            prices[model] = new ModelPrice(input, output, cached);
        }

        return prices;
    }
}
