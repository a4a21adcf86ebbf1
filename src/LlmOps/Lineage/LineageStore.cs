using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using LlmOps.Errors;
using LlmOps.Storage;

namespace LlmOps.Lineage;

/// <summary>
/// The lineage graph in table <c>lineage</c>. Each node owns one partition (PartitionKey = its encoded id) holding its
/// node row and a row per edge in each direction, so one partition query gives a node and all its neighbours, and a
/// walk costs one query per node reached, run level by level in parallel.
/// </summary>
public sealed class LineageStore(StorageAccount storage, TimeProvider clock)
{
    public const int MaxDepth = 32;
    private const string NodeRow = "node";
    private const string DownPrefix = "down|";
    private const string UpPrefix = "up|";
    private const int TransactionLimit = 100;
    private readonly TableClient _table = storage.Table(StorageNames.LineageTable);

    /// <summary>Records the nodes of <paramref name="lineageEvent"/> and an edge from every input to every output. Idempotent.</summary>
    public async Task RecordAsync(LineageEvent lineageEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lineageEvent);
        if (!LineageRelation.All.Contains(lineageEvent.Relation))
        {
            throw LlmOpsException.Invalid($"'{lineageEvent.Relation}' is not a lineage relation: expected one of {string.Join(", ", LineageRelation.All)}.");
        }

        var now = clock.GetUtcNow();
        var partitions = new Dictionary<string, List<TableTransactionAction>>(StringComparer.Ordinal);
        foreach (var dataset in lineageEvent.Inputs.Concat(lineageEvent.Outputs).DistinctBy(d => d.Id))
        {
            LineageIds.Validate(dataset.Id);
            Actions(dataset.Id).Add(new TableTransactionAction(TableTransactionActionType.UpsertMerge, new LineageRow
            {
                PartitionKey = TableKey.Encode(dataset.Id),
                RowKey = NodeRow,
                Id = dataset.Id,
                Kind = LineageIds.KindOf(dataset.Id),
                Facets = JsonSerializer.Serialize(dataset.Facets ?? new Dictionary<string, string>()),
                RecordedAt = now,
            }));
        }

        var runFacets = JsonSerializer.Serialize(lineageEvent.RunFacets ?? new Dictionary<string, string>());
        foreach (var input in lineageEvent.Inputs.DistinctBy(d => d.Id))
        {
            foreach (var output in lineageEvent.Outputs.DistinctBy(d => d.Id))
            {
                Actions(input.Id).Add(EdgeRow(input.Id, DownPrefix, output.Id));
                Actions(output.Id).Add(EdgeRow(output.Id, UpPrefix, input.Id));
            }
        }

        foreach (var actions in partitions.Values)
        {
            foreach (var batch in actions.Chunk(TransactionLimit))
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
            }
        }

        List<TableTransactionAction> Actions(string id)
        {
            if (!partitions.TryGetValue(id, out var list))
            {
                partitions[id] = list = [];
            }

            return list;
        }

        TableTransactionAction EdgeRow(string owner, string prefix, string other) =>
            new(TableTransactionActionType.UpsertReplace, new LineageRow
            {
                PartitionKey = TableKey.Encode(owner),
                RowKey = $"{prefix}{TableKey.Encode(other)}|{lineageEvent.Relation}|{lineageEvent.RunId:N}",
                Other = other,
                Relation = lineageEvent.Relation,
                RunId = lineageEvent.RunId,
                Job = lineageEvent.Job,
                Facets = runFacets,
                RecordedAt = now,
            });
    }

    /// <summary>The node <paramref name="id"/>, or null when nothing recorded it.</summary>
    public async Task<LineageNode?> GetNodeAsync(string id, CancellationToken cancellationToken)
    {
        LineageIds.Validate(id);
        var row = await _table.GetEntityIfExistsAsync<LineageRow>(TableKey.Encode(id), NodeRow, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.ToNode() : null;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> nodes whose id contains <paramref name="text"/> (case-insensitive), those whose id
    /// starts with it first: one scan of the node rows, reading only their ids and kinds.
    /// </summary>
    public async Task<IReadOnlyList<LineageNode>> SearchAsync(string text, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var starting = new List<LineageNode>();
        var containing = new List<LineageNode>();
        await foreach (var row in _table.QueryAsync<LineageRow>(r => r.RowKey == NodeRow, select: [nameof(LineageRow.Id), nameof(LineageRow.Kind), nameof(LineageRow.RecordedAt)], cancellationToken: cancellationToken))
        {
            var id = row.Id ?? "";
            if (id.StartsWith(text, StringComparison.OrdinalIgnoreCase))
            {
                starting.Add(row.ToNode());
                if (starting.Count >= limit)
                {
                    break;
                }
            }
            else if (containing.Count < limit && id.Contains(text, StringComparison.OrdinalIgnoreCase))
            {
                containing.Add(row.ToNode());
            }
        }

        return [.. starting.Concat(containing).Take(limit)];
    }

    /// <summary>Walks from <paramref name="id"/> up to <paramref name="depth"/> hops in <paramref name="direction"/>.</summary>
    public async Task<LineageGraph> QueryAsync(string id, LineageDirection direction, int depth, CancellationToken cancellationToken)
    {
        LineageIds.Validate(id);
        if (depth is < 1 or > MaxDepth)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), depth, $"Depth must be from 1 to {MaxDepth}.");
        }

        if (direction != LineageDirection.Both)
        {
            return await WalkAsync(id, direction, depth, cancellationToken);
        }

        var up = await WalkAsync(id, LineageDirection.Upstream, depth, cancellationToken);
        var down = await WalkAsync(id, LineageDirection.Downstream, depth, cancellationToken);
        var distances = new Dictionary<string, int>(up.Distances, StringComparer.Ordinal);
        foreach (var (node, distance) in down.Distances)
        {
            distances[node] = Math.Min(distance, distances.GetValueOrDefault(node, int.MaxValue));
        }

        return new LineageGraph(
            id,
            LineageDirection.Both,
            depth,
            up.Found,
            [.. up.Nodes.Concat(down.Nodes).DistinctBy(n => n.Id)],
            [.. up.Edges.Concat(down.Edges).DistinctBy(e => e.Key)],
            up.Truncated || down.Truncated)
        {
            Distances = distances,
        };
    }

    private async Task<LineageGraph> WalkAsync(string root, LineageDirection direction, int depth, CancellationToken cancellationToken)
    {
        var prefix = direction == LineageDirection.Upstream ? UpPrefix : DownPrefix;
        var nodes = new Dictionary<string, LineageNode>(StringComparer.Ordinal);
        var edges = new Dictionary<string, LineageEdge>(StringComparer.Ordinal);
        var distances = new Dictionary<string, int>(StringComparer.Ordinal) { [root] = 0 };

        // Runs already followed out of each process node; null means every run (a node reached as the root or by a data edge).
        var followed = new Dictionary<string, HashSet<Guid>?>(StringComparer.Ordinal);
        var frontier = new Dictionary<string, HashSet<Guid>?>(StringComparer.Ordinal) { [root] = null };
        var truncated = false;
        for (var level = 0; frontier.Count > 0; level++)
        {
            var partitions = new ConcurrentDictionary<string, List<LineageRow>>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(frontier.Keys, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (node, ct) =>
            {
                var rows = new List<LineageRow>();
                await foreach (var row in _table.QueryAsync<LineageRow>(e => e.PartitionKey == TableKey.Encode(node), cancellationToken: ct))
                {
                    rows.Add(row);
                }

                partitions[node] = rows;
            });

            var next = new Dictionary<string, HashSet<Guid>?>(StringComparer.Ordinal);
            foreach (var (node, runs) in frontier)
            {
                var rows = partitions[node];
                if (rows.FirstOrDefault(r => r.RowKey == NodeRow) is { } nodeRow)
                {
                    nodes[node] = nodeRow.ToNode();
                }

                foreach (var row in rows.Where(r => r.RowKey.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    var runId = row.RunId ?? Guid.Empty;
                    if (runs is not null && !runs.Contains(runId))
                    {
                        continue;
                    }

                    if (level == depth)
                    {
                        truncated = true;
                        break;
                    }

                    var other = row.Other ?? "";
                    var edge = direction == LineageDirection.Upstream ? row.ToEdge(other, node) : row.ToEdge(node, other);
                    edges.TryAdd(edge.Key, edge);
                    distances.TryAdd(other, level + 1);
                    var arrival = LineageIds.ProcessKinds.Contains(LineageIds.KindOf(other)) ? new HashSet<Guid> { runId } : null;
                    if (followed.TryGetValue(other, out var done) && (done is null || (arrival is not null && arrival.IsSubsetOf(done))))
                    {
                        continue;
                    }

                    if (!next.TryGetValue(other, out var pending))
                    {
                        next[other] = arrival;
                    }
                    else if (pending is not null)
                    {
                        if (arrival is null)
                        {
                            next[other] = null;
                        }
                        else
                        {
                            pending.UnionWith(arrival);
                        }
                    }
                }
            }

            foreach (var (node, runs) in frontier)
            {
                if (runs is null || !followed.TryGetValue(node, out var done))
                {
                    followed[node] = runs is null ? null : [.. runs];
                }
                else
                {
                    done?.UnionWith(runs);
                }
            }

            frontier = next;
        }

        return new LineageGraph(root, direction, depth, nodes.ContainsKey(root) || edges.Count > 0, [.. nodes.Values], [.. edges.Values], truncated)
        {
            Distances = distances,
        };
    }
}
