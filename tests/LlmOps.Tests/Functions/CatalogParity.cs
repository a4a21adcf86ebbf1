using System.Text.Json;
using LlmOps.Triggers;

namespace LlmOps.Tests.Functions;

/// <summary>Compares the trigger catalog with the functions.metadata of the built app: every difference, one line each.</summary>
public static class CatalogParity
{
    public const string Connection = "AzureWebJobsStorage";

    public static IReadOnlyList<string> Problems(IReadOnlyList<FunctionDefinition> catalog, IReadOnlyDictionary<string, JsonElement> metadata)
    {
        var problems = new List<string>();
        foreach (var extra in metadata.Keys.Where(n => catalog.All(f => f.Name != n)))
        {
            problems.Add($"{extra}: in functions.metadata but not in the trigger catalog");
        }

        foreach (var entry in catalog)
        {
            if (!metadata.TryGetValue(entry.Name, out var function))
            {
                problems.Add($"{entry.Name}: in the trigger catalog but not in functions.metadata");
                continue;
            }

            var trigger = FunctionsMetadata.Trigger(function);
            var type = trigger.GetProperty("type").GetString();
            void Expect(string what, string? expected, string? actual)
            {
                if (!string.Equals(expected, actual, StringComparison.Ordinal))
                {
                    problems.Add($"{entry.Name}: {what} is '{actual}' in functions.metadata, '{expected}' in the catalog");
                }
            }

            switch (entry.Kind)
            {
                case TriggerKind.Blob:
                    Expect("trigger type", "blobTrigger", type);
                    Expect("blob path", entry.Target, Text(trigger, "path"));
                    Expect("blob source", "EventGrid", Text(trigger, "source"));
                    Expect("connection", Connection, Text(trigger, "connection"));
                    break;
                case TriggerKind.Queue:
                    Expect("trigger type", "queueTrigger", type);
                    Expect("queue", entry.Target, Text(trigger, "queueName"));
                    Expect("connection", Connection, Text(trigger, "connection"));
                    break;
                case TriggerKind.Timer:
                    Expect("trigger type", "timerTrigger", type);
                    Expect("schedule", entry.Target, Text(trigger, "schedule"));
                    break;
                case TriggerKind.Http:
                    Expect("trigger type", "httpTrigger", type);
                    Expect("route", entry.Target, Text(trigger, "route"));
                    Expect("auth level", entry.AuthLevel.ToString(), Text(trigger, "authLevel"));
                    var methods = trigger.TryGetProperty("methods", out var m) ? m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant()).Order(StringComparer.Ordinal).ToList() : [];
                    Expect("methods", string.Join(",", entry.Methods.Order(StringComparer.Ordinal)), string.Join(",", methods));
                    break;
            }
        }

        return problems;
    }

    private static string? Text(JsonElement binding, string property) =>
        binding.TryGetProperty(property, out var value) ? value.GetString() : null;
}
