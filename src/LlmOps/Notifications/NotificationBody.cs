using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Lifecycle;

namespace LlmOps.Notifications;

/// <summary>The JSON a channel's format expects for one delivery.</summary>
public static class NotificationBody
{
    public static string Create(NotificationRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var evidence = row.Evidence is null ? "" : $"\nEvidence: {row.Evidence}";
        JsonNode body = row.Format switch
        {
            NotificationChannel.Teams => Teams(row),
            NotificationChannel.Json => new JsonObject
            {
                ["id"] = row.EventId,
                ["kind"] = row.Kind,
                ["feature"] = row.Feature,
                ["title"] = row.Title,
                ["text"] = row.Text,
                ["evidence"] = row.Evidence,
                ["raisedAt"] = row.RaisedAt,
            },
            _ => new JsonObject { ["text"] = $"*{row.Title}*\n{row.Text}{evidence}" },
        };
        return body.ToJsonString(JsonSerializerOptions.Web);
    }

    private static JsonObject Teams(NotificationRow row)
    {
        var facts = new JsonArray(
            new JsonObject { ["name"] = "Event", ["value"] = row.Kind },
            new JsonObject { ["name"] = "Feature", ["value"] = row.Feature ?? "(all)" });
        if (row.Evidence is not null)
        {
            facts.Add(new JsonObject { ["name"] = "Evidence", ["value"] = row.Evidence });
        }

        var card = new JsonObject
        {
            ["@type"] = "MessageCard",
            ["@context"] = "https://schema.org/extensions",
            ["summary"] = row.Title,
            ["themeColor"] = row.Kind is NotificationKinds.CanaryPromoted ? "2E7D32" : "C62828",
            ["title"] = row.Title,
            ["text"] = row.Text,
            ["sections"] = new JsonArray(new JsonObject { ["facts"] = facts }),
        };
        if (Uri.TryCreate(row.Evidence, UriKind.Absolute, out var link) && link.Scheme is "https" or "http")
        {
            card["potentialAction"] = new JsonArray(new JsonObject
            {
                ["@type"] = "OpenUri",
                ["name"] = "Evidence",
                ["targets"] = new JsonArray(new JsonObject { ["os"] = "default", ["uri"] = link.AbsoluteUri }),
            });
        }

        return card;
    }
}
