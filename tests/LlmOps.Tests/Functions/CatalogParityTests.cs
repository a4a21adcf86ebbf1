using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Triggers;

namespace LlmOps.Tests.Functions;

/// <summary>The Azure app as built (the SDK's functions.metadata and the compiled adapters) against the trigger catalog.</summary>
public sealed class CatalogParityTests
{
    [Fact]
    public void FunctionsMetadata_MatchesTheCatalog_FunctionByFunction()
    {
        var metadata = FunctionsMetadata.Load();

        Assert.Equal(TriggerCatalog.All.Count, metadata.Count);
        Assert.Empty(CatalogParity.Problems(TriggerCatalog.All, metadata));
    }

    [Fact]
    public void EveryAdapter_TakesItsCatalogHandler()
    {
        var metadata = FunctionsMetadata.Load();
        Assert.All(TriggerCatalog.All, entry =>
            Assert.Contains(entry.HandlerType.FullName!, FunctionsMetadata.InjectedTypes(metadata[entry.Name].GetProperty("entryPoint").GetString()!)));
    }

    public static TheoryData<string, string, string> Drifts() => new()
    {
        { TriggerCatalog.IndexDatasetVersion, "queueName", "dataset-version" },
        { TriggerCatalog.IngestDrop, "path", "raw/{name}" },
        { TriggerCatalog.IngestDrop, "source", "LogsAndContainerScan" },
        { TriggerCatalog.LabelQa, "connection", "OtherStorage" },
        { TriggerCatalog.Heartbeat, "schedule", "0 */5 * * * *" },
        { TriggerCatalog.Search, "route", "find" },
        { TriggerCatalog.Search, "authLevel", "Anonymous" },
    };

    [Theory]
    [MemberData(nameof(Drifts))]
    public void AnAdapterThatDrifts_IsReported(string function, string property, string value)
    {
        var metadata = FunctionsMetadata.Load().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var changed = JsonNode.Parse(metadata[function].GetRawText())!;
        var trigger = changed["bindings"]!.AsArray().First(b => b!["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal))!;
        trigger[property] = value;
        metadata[function] = JsonDocument.Parse(changed.ToJsonString()).RootElement;

        var problem = Assert.Single(CatalogParity.Problems(TriggerCatalog.All, metadata));
        Assert.StartsWith(function + ":", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AMethodAddedOrAFunctionMissing_IsReported()
    {
        var metadata = FunctionsMetadata.Load().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var changed = JsonNode.Parse(metadata[TriggerCatalog.PostTraces].GetRawText())!;
        changed["bindings"]![0]!["methods"]!.AsArray().Add("get");
        metadata[TriggerCatalog.PostTraces] = JsonDocument.Parse(changed.ToJsonString()).RootElement;
        metadata.Remove(TriggerCatalog.Heartbeat);

        var problems = CatalogParity.Problems(TriggerCatalog.All, metadata);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith(TriggerCatalog.PostTraces + ": methods", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(TriggerCatalog.Heartbeat + ": in the trigger catalog but not", StringComparison.Ordinal));
    }

    [Fact]
    public void LocalSettingsTemplate_ForCoreTools_SetsEverySettingAndConnectionTheTriggersName()
    {
        using var template = JsonDocument.Parse(File.ReadAllText(Infrastructure.RepositoryRoot.Combine("functions", "LlmOps.Functions", "local.settings.template.json")));
        var values = template.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString(), StringComparer.Ordinal);
        var named = FunctionsMetadata.Load().Values.Select(FunctionsMetadata.Trigger)
            .SelectMany(t => new[] { t.TryGetProperty("schedule", out var s) ? s.GetString()!.Trim('%') : null, t.TryGetProperty("connection", out var c) ? c.GetString() : null })
            .OfType<string>().ToHashSet(StringComparer.Ordinal);

        Assert.Equal(7, named.Count);
        Assert.All(named, n => Assert.False(string.IsNullOrEmpty(values.GetValueOrDefault(n)), $"{n} is not set in local.settings.template.json"));
        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal(TriggerCatalog.DefaultHeartbeatSchedule, values[TriggerCatalog.HeartbeatScheduleSetting]);
    }
}
