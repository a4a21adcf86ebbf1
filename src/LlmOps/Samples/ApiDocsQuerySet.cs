using System.Text.Json;
using LlmOps.Evaluation;

namespace LlmOps.Samples;

/// <summary>
/// A seeded sample of the API docs corpus with a labeled query set that needs meaning, not shared words: each query is
/// a type's summary with every word of the type's own name removed ("Provides a class for sending requests and receiving
/// responses from a resource identified by a URI" for HttpClient), and its relevant records are that type's members,
/// whose documentation talks about the same thing in other sentences. The type records themselves are left out of the
/// sample, so no record repeats a query. Members of other, unqueried types are the distractors. A seeded part of the
/// queries is held out: choose a variant on <see cref="Development"/>, report it on <see cref="HeldOut"/>.
/// </summary>
public sealed record ApiDocsQuerySet(IReadOnlyList<ApiDocMember> Records, IReadOnlyList<LabeledQuery> Development, IReadOnlyList<LabeledQuery> HeldOut)
{
    /// <summary>
    /// Samples <paramref name="types"/> documented types with at least 3 documented members (up to
    /// <paramref name="membersPerType"/> of each), plus <paramref name="distractors"/> members of other types; a fraction
    /// <paramref name="heldOut"/> of the queries is held out. The same corpus and seed give the same sample.
    /// </summary>
    public static ApiDocsQuerySet Create(IReadOnlyList<ApiDocMember> corpus, int types = 200, int membersPerType = 8, int distractors = 1000, double heldOut = 0.5, int seed = 2026)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(types, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(membersPerType, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(distractors);
        if (heldOut is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(heldOut), heldOut, "The held-out fraction is between 0 and 1.");
        }

        var random = new Random(seed);
        var typeRecords = corpus.Where(m => m.Kind == "type").GroupBy(m => m.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var membersByType = corpus.Where(m => m.Kind != "type").GroupBy(m => m.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var candidates = typeRecords.Keys.Where(t => membersByType.TryGetValue(t, out var m) && m.Count >= 3 && Query(typeRecords[t]).Split(' ').Length >= 5).Order(StringComparer.Ordinal).ToList();
        if (candidates.Count < types)
        {
            throw Errors.LlmOpsException.Invalid($"The corpus has {candidates.Count} types with a summary and at least 3 documented members; asked for {types}.");
        }

        var chosen = Shuffle(candidates, random).Take(types).ToList();
        var chosenSet = chosen.ToHashSet(StringComparer.Ordinal);
        var records = new List<ApiDocMember>();
        var queries = new List<LabeledQuery>();
        foreach (var type in chosen)
        {
            var members = Shuffle(membersByType[type], random).Take(membersPerType).ToList();
            records.AddRange(members);
            queries.Add(new LabeledQuery(Query(typeRecords[type]), [.. members.Select(m => m.Id)]));
        }

        records.AddRange(Shuffle(corpus.Where(m => m.Kind != "type" && !chosenSet.Contains(m.Type)).ToList(), random).Take(distractors));
        var split = (int)Math.Round(queries.Count * (1 - heldOut));
        return new ApiDocsQuerySet(Shuffle(records, random), queries[..split], queries[split..]);
    }

    /// <summary>A type's summary without the words of its own name (nor its namespace's last part).</summary>
    public static string Query(ApiDocMember type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var drop = ApiDocsCorpus.Words(type.Member).ToHashSet(StringComparer.Ordinal);
        return string.Join(' ', type.Summary.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !ApiDocsCorpus.Words(w).Any(drop.Contains)));
    }

    /// <summary>The file of the records, dropped under raw/members/ (the api-docs lifecycle's source).</summary>
    public const string RecordsFile = "members.jsonl";

    /// <summary>The development queries: choose a variant on these.</summary>
    public const string DevelopmentFile = "queries.dev.jsonl";

    /// <summary>The held-out queries: report the chosen variant on these.</summary>
    public const string HeldOutFile = "queries.heldout.jsonl";

    /// <summary>Writes <see cref="RecordsFile"/>, <see cref="DevelopmentFile"/> and <see cref="HeldOutFile"/> into <paramref name="folder"/> (created if missing).</summary>
    public void Write(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, RecordsFile), RecordsJsonl());
        File.WriteAllText(Path.Combine(folder, DevelopmentFile), QueriesJsonl(Development));
        File.WriteAllText(Path.Combine(folder, HeldOutFile), QueriesJsonl(HeldOut));
    }

    /// <summary>The records as JSON Lines for ingestion: id, assembly, kind, type, member, summary, remarks, parameters, returns, text.</summary>
    public string RecordsJsonl() => string.Join('\n', Records.Select(r => JsonSerializer.Serialize(new
    {
        id = r.Id,
        assembly = r.Assembly,
        kind = r.Kind,
        type = r.Type,
        member = r.Member,
        summary = r.Summary,
        remarks = r.Remarks,
        parameters = r.Parameters,
        returns = r.Returns,
        text = r.Text,
    }))) + "\n";

    /// <summary>A query set as JSON Lines in <see cref="RetrievalEvaluator.ParseQueries"/>'s format.</summary>
    public static string QueriesJsonl(IEnumerable<LabeledQuery> queries) =>
        string.Join('\n', queries.Select(q => JsonSerializer.Serialize(new { query = q.Query, relevant = q.Relevant }))) + "\n";

    private static List<T> Shuffle<T>(IReadOnlyList<T> items, Random random)
    {
        var copy = items.ToList();
        for (var i = copy.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }

        return copy;
    }
}
