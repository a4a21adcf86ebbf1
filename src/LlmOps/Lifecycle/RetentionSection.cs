using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>retention</c> section: <c>raw_days</c>, <c>quarantine_days</c>, <c>traces_days</c>, <c>feedback_days</c>, <c>reports_days</c>, <c>task_sets_days</c> (1 to 3650 each).</summary>
internal static class RetentionSection
{
    public static readonly string[] Keys = ["raw_days", "quarantine_days", "traces_days", "feedback_days", "reports_days", "task_sets_days"];

    public static RetentionSettings Read(NodeReader reader, YamlMappingNode root)
    {
        if (reader.Mapping(root, "retention", "") is not { } section)
        {
            return RetentionSettings.None;
        }

        reader.RejectUnknown(section, "retention", Keys);
        int? Days(string key)
        {
            var days = reader.Integer(section, key, "retention", null, 1);
            if (days > RetentionSettings.MaxDays)
            {
                reader.Error(NodeReader.Child(section, key)!, "retention." + key, $"1 to {RetentionSettings.MaxDays} days", days.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return null;
            }

            return days;
        }

        return new RetentionSettings(Days("raw_days"), Days("quarantine_days"), Days("traces_days"), Days("feedback_days"), Days("reports_days"), Days("task_sets_days"));
    }
}
