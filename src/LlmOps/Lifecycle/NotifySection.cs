using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>notify</c> section: <c>channels</c> by name (<c>webhook</c>: an http(s) URL or <c>%SETTING%</c>; <c>format</c>:
/// slack, teams or json) and <c>events</c>: per event kind, the channel names it goes to.
/// </summary>
internal static partial class NotifySection
{
    public static NotifySettings Read(NodeReader reader, YamlMappingNode root)
    {
        if (reader.Mapping(root, "notify", "") is not { } section)
        {
            return NotifySettings.None;
        }

        reader.RejectUnknown(section, "notify", ["channels", "events"]);
        var channels = new List<NotificationChannel>();
        if (reader.Mapping(section, "channels", "notify") is { } declared)
        {
            foreach (var (key, node) in declared.Children)
            {
                var name = ((YamlScalarNode)key).Value ?? "";
                var at = "notify.channels." + name;
                if (!ChannelName().IsMatch(name))
                {
                    reader.Error(key, at, "a channel name of letters, digits, dashes and underscores", name);
                }

                if (node is not YamlMappingNode channel)
                {
                    reader.Error(node, at, "a mapping with webhook and format", NodeReader.Describe(node));
                    continue;
                }

                reader.RejectUnknown(channel, at, ["webhook", "format"]);
                var webhook = reader.RequiredString(channel, "webhook", at);
                if (webhook is not null && !NotificationChannel.IsSetting(webhook) && !(Uri.TryCreate(webhook, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
                {
                    reader.Error(NodeReader.Child(channel, "webhook")!, at + ".webhook", "an http(s) URL, or %SETTING% naming the app setting that holds it", webhook);
                }

                var format = reader.OptionalString(channel, "format", at) ?? NotificationChannel.Slack;
                if (!NotificationChannel.Formats.Contains(format, StringComparer.Ordinal))
                {
                    reader.Error(NodeReader.Child(channel, "format")!, at + ".format", string.Join(", ", NotificationChannel.Formats), format);
                }

                channels.Add(new NotificationChannel(name, webhook ?? "", format));
            }
        }

        var events = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (reader.Mapping(section, "events", "notify") is { } routes)
        {
            foreach (var (key, node) in routes.Children)
            {
                var kind = ((YamlScalarNode)key).Value ?? "";
                var at = "notify.events." + kind;
                if (!NotificationKinds.All.Contains(kind, StringComparer.Ordinal))
                {
                    reader.Error(key, at, "one of " + string.Join(", ", NotificationKinds.All), kind);
                    continue;
                }

                var names = reader.StringList(routes, kind, "notify.events");
                foreach (var name in names.Where(n => !channels.Any(c => c.Name == n)))
                {
                    reader.Error(node, at, "channels declared under notify.channels (" + string.Join(", ", channels.Select(c => c.Name)) + ")", name);
                }

                events[kind] = names;
            }
        }

        return new NotifySettings(channels, events);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ChannelName();
}
