using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>drift</c> section: schedule, reference, current window, signals and cool-down.</summary>
internal static class DriftSection
{
    public static DriftSettings Read(NodeReader reader, YamlMappingNode root)
    {
        var defaults = DriftSettings.Default;
        if (reader.Mapping(root, "drift", "") is not { } section)
        {
            return defaults;
        }

        reader.RejectUnknown(section, "drift", ["schedule", "reference", "current", "model", "signals", "cooldown"]);
        var schedule = reader.OptionalString(section, "schedule", "drift");
        if (schedule is not null)
        {
            try
            {
                Cronos.CronExpression.Parse(schedule, Cronos.CronFormat.IncludeSeconds);
            }
            catch (Cronos.CronFormatException ex)
            {
                reader.Error(NodeReader.Child(section, "schedule")!, "drift.schedule", "a six-field NCRONTAB schedule (second minute hour day month weekday), e.g. '0 0 6 * * *'", $"'{schedule}' ({ex.Message})");
            }
        }

        var referenceText = reader.OptionalString(section, "reference", "drift");
        var reference = referenceText is null ? defaults.Reference : DriftReference.TryParse(referenceText);
        if (reference is null)
        {
            reader.Error(NodeReader.Child(section, "reference")!, "drift.reference", "champion, previous or a dataset version id (dataset:<source>@<hash>)", referenceText);
        }

        var current = reader.OptionalString(section, "current", "drift");
        var window = defaults.CurrentWindow;
        if (current is not null && current != "latest")
        {
            window = current.StartsWith("since ", StringComparison.Ordinal) ? LifecycleParser.ParseDuration(current[6..]) : null;
            if (window is null)
            {
                reader.Error(NodeReader.Child(section, "current")!, "drift.current", "latest, or 'since <n>m|h|d' (e.g. since 7d)", current);
            }
        }

        var model = reader.OptionalString(section, "model", "drift");
        if (reference?.Kind == DriftReferenceKind.Champion && model is null)
        {
            reader.Error(section, "drift.model", "the registered name whose champion sets the reference (e.g. prompt:support-answer), because reference is champion", "nothing");
        }

        var cooldownText = reader.OptionalString(section, "cooldown", "drift");
        var cooldown = defaults.Cooldown;
        if (cooldownText is not null)
        {
            if (LifecycleParser.ParseDuration(cooldownText) is { } parsed)
            {
                cooldown = parsed;
            }
            else
            {
                reader.Error(NodeReader.Child(section, "cooldown")!, "drift.cooldown", "a duration like 30m, 24h or 7d", cooldownText);
            }
        }

        var signals = new List<DriftSignalSettings>();
        if (NodeReader.Child(section, "signals") is { } list)
        {
            reader.EachMapping(list, "drift.signals", "a list of {signal, test, warn, alert, action}", "a mapping with signal, warn, alert and action", (item, at) =>
            {
                reader.RejectUnknown(item, at, ["signal", "test", "warn", "alert", "action"]);
                var signal = reader.RequiredString(item, "signal", at);
                if (signal is not null && !DriftSignalSettings.NamedSignals.Contains(signal) && !signal.StartsWith("column:", StringComparison.Ordinal) && !signal.StartsWith("quality.", StringComparison.Ordinal))
                {
                    reader.Error(NodeReader.Child(item, "signal")!, at + ".signal", "column:<field> or one of " + string.Join(", ", DriftSignalSettings.NamedSignals), signal);
                }

                var test = reader.OptionalString(item, "test", at);
                if (test is not null && !DriftSignalSettings.Tests.Contains(test))
                {
                    reader.Error(NodeReader.Child(item, "test")!, at + ".test", "one of " + string.Join(", ", DriftSignalSettings.Tests), test);
                }

                var action = reader.OptionalString(item, "action", at);
                if (action is not null && !DriftSignalSettings.Actions.Contains(action))
                {
                    reader.Error(NodeReader.Child(item, "action")!, at + ".action", "one of " + string.Join(", ", DriftSignalSettings.Actions), action);
                }

                var warn = reader.OptionalNumber(item, "warn", at);
                var alert = reader.OptionalNumber(item, "alert", at);
                if (test is not null && DriftSignalSettings.Tests.Contains(test) && warn is { } w && alert is { } a && (DriftSignalSettings.LowerIsWorse(test) ? a > w : a < w))
                {
                    reader.Error(NodeReader.Child(item, "alert")!, at + ".alert",
                        DriftSignalSettings.LowerIsWorse(test) ? $"a p-value at most warn ({w.ToString(CultureInfo.InvariantCulture)}), as {test} alerts below it" : $"at least warn ({w.ToString(CultureInfo.InvariantCulture)}), as {test} alerts above it",
                        a.ToString(CultureInfo.InvariantCulture));
                }

                if (signal is not null)
                {
                    signals.Add(new DriftSignalSettings(signal, test, warn, alert, action));
                }
            });
        }

        return new DriftSettings(schedule, reference ?? defaults.Reference, window, model, signals, cooldown);
    }
}
