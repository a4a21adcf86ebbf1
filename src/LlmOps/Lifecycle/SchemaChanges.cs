namespace LlmOps.Lifecycle;

/// <summary>
/// What a republished lifecycle breaks for the data already published under the old one: a source removed, or a
/// required field of a source removed or given another type. Optional fields and new fields break nothing.
/// </summary>
public static class SchemaChanges
{
    public static IReadOnlyList<string> Breaking(LifecycleDefinition previous, LifecycleDefinition next)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(next);
        var breaks = new List<string>();
        foreach (var old in previous.Sources)
        {
            if (next.Sources.FirstOrDefault(s => s.Name == old.Name) is not { } now)
            {
                breaks.Add($"source {old.Name} is removed");
                continue;
            }

            foreach (var field in old.Schema.Where(f => f.Required))
            {
                if (now.Schema.FirstOrDefault(f => f.Name == field.Name) is not { } kept)
                {
                    breaks.Add($"{old.Name}.{field.Name} (required {field.Type}) is removed");
                }
                else if (kept.Type != field.Type)
                {
                    breaks.Add($"{old.Name}.{field.Name} changes type from {field.Type} to {kept.Type}");
                }
            }
        }

        return breaks;
    }
}
