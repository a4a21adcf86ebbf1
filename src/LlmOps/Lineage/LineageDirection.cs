using System.Text.Json.Serialization;

namespace LlmOps.Lineage;

/// <summary>Which way a lineage query walks from its root.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LineageDirection>))]
public enum LineageDirection
{
    /// <summary>Towards what the root came from (its sources).</summary>
    Upstream,

    /// <summary>Towards what came from the root (its consumers and deployments).</summary>
    Downstream,

    /// <summary>Both walks, merged.</summary>
    Both,
}
