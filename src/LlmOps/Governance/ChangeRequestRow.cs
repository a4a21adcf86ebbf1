using System.Text.Json;
using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>A change request in table <c>approvals</c> (PartitionKey <c>change</c>, RowKey newest first); its ETag guards concurrent approvals.</summary>
public sealed class ChangeRequestRow : TableRow
{
    public string Id { get; set; } = "";

    public string Kind { get; set; } = "";

    public string? Feature { get; set; }

    public string Target { get; set; } = "";

    public string Parameters { get; set; } = "{}";

    public string RequestedBy { get; set; } = "";

    public string RequestedByName { get; set; } = "";

    public DateTimeOffset RequestedAt { get; set; }

    public string? Why { get; set; }

    public int Required { get; set; }

    public string Role { get; set; } = "";

    public string Approvals { get; set; } = "[]";

    public string Status { get; set; } = ChangeRequest.Pending;

    public string? Rejection { get; set; }

    public string? Result { get; set; }

    internal ChangeRequest ToRequest() => new(
        Id, Kind, Feature, Target,
        JsonSerializer.Deserialize<Dictionary<string, string>>(Parameters) ?? [],
        RequestedBy, RequestedByName, RequestedAt, Why, Required, RoleNames.Parse(Role),
        JsonSerializer.Deserialize<List<ApprovalVote>>(Approvals, JsonSerializerOptions.Web) ?? [],
        Status,
        Rejection is null ? null : JsonSerializer.Deserialize<ApprovalVote>(Rejection, JsonSerializerOptions.Web),
        Result);

    internal static ChangeRequestRow From(ChangeRequest request, string rowKey) => new()
    {
        PartitionKey = ApprovalStore.Partition,
        RowKey = rowKey,
        Id = request.Id,
        Kind = request.Kind,
        Feature = request.Feature,
        Target = request.Target,
        Parameters = JsonSerializer.Serialize(request.Parameters),
        RequestedBy = request.RequestedBy,
        RequestedByName = request.RequestedByName,
        RequestedAt = request.RequestedAt,
        Why = request.Why,
        Required = request.Required,
        Role = RoleNames.Name(request.Role),
        Approvals = JsonSerializer.Serialize(request.Approvals, JsonSerializerOptions.Web),
        Status = request.Status,
        Rejection = request.Rejection is null ? null : JsonSerializer.Serialize(request.Rejection, JsonSerializerOptions.Web),
        Result = request.Result,
    };
}
