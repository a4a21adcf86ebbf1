using System.CommandLine;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>The --limit option of list commands: lists page through storage, and stop after this many items.</summary>
internal static class LimitOption
{
    public const int Default = 100;

    public static Option<int> Create(string what) => new("--limit")
    {
        Description = $"Show at most this many {what} (default {Default}; 0 for all).",
        DefaultValueFactory = _ => Default,
    };

    /// <summary>The first <paramref name="limit"/> items (all for 0), and whether more were left.</summary>
    public static async Task<(List<T> Items, bool More)> TakeAsync<T>(IAsyncEnumerable<T> source, int limit, CancellationToken cancellationToken)
    {
        if (limit < 0)
        {
            throw Errors.LlmOpsException.Invalid($"--limit must be 0 (all) or more, not {limit}.");
        }

        var items = await (limit == 0 ? source : source.Take(limit + 1)).ToListAsync(cancellationToken);
        var more = limit > 0 && items.Count > limit;
        if (more)
        {
            items.RemoveAt(items.Count - 1);
        }

        return (items, more);
    }

    /// <summary>"N thing(s)." with a hint when the limit cut the list.</summary>
    public static void Summarize(IAnsiConsole console, int count, bool more, string what) =>
        console.MarkupLineInterpolated($"{count} {what}(s){(more ? $"; more exist: raise --limit, or --limit 0 for all" : "")}.");
}
