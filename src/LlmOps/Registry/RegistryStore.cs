using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using LlmOps.Errors;
using LlmOps.Storage;

namespace LlmOps.Registry;

/// <summary>
/// The plain store of the registry, table <c>registry</c>, one partition per registered name: an item row, a row per
/// immutable version, a row per alias and per deployment. It checks shapes and concurrency (version numbers allocated
/// in a transaction with the item row's ETag; aliases and canary decisions guarded by their own ETags, so of two
/// concurrent writers one wins and the other gets a conflict) and nothing else: who may change what, the gates, the
/// approvals, lineage and the audit log are <see cref="ModelRegistry"/>'s, the one path every change takes.
/// </summary>
public sealed partial class RegistryStore(StorageAccount storage)
{
    private const string ItemRow = "item";
    private const string VersionPrefix = "version|";
    private const string AliasPrefix = "alias|";
    private const string DeployPrefix = "deploy|";
    private const int RegisterAttempts = 16;
    private readonly TableClient _table = storage.Table(StorageNames.RegistryTable);

    /// <summary><c>model:x</c> or <c>prompt:y</c> as given; a bare name means a model.</summary>
    public static string QualifiedName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var qualified = name.Contains(':', StringComparison.Ordinal) ? name : "model:" + name;
        if (!NamePattern().IsMatch(qualified))
        {
            throw LlmOpsException.Invalid($"'{name}' is not a registry name: expected model:<name> or prompt:<name>, the name of lower-case letters, digits, '.', '_' or '-'.");
        }

        return qualified;
    }

    public static string VersionId(string name, int version) => $"{QualifiedName(name)}/{version.ToString(CultureInfo.InvariantCulture)}";

    public static RegistryKind KindOf(string qualifiedName) =>
        qualifiedName.StartsWith("prompt:", StringComparison.Ordinal) ? RegistryKind.Prompt : RegistryKind.Model;

    public static void ValidateAlias(string alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        if (!AliasPattern().IsMatch(alias))
        {
            throw LlmOpsException.Invalid($"'{alias}' is not a valid alias or environment: lower-case letters, digits, '_' and '-', starting with a letter.");
        }
    }

    /// <summary>
    /// Adds the next version of a name (its item row created on first use): <paramref name="build"/> makes the version of
    /// the number allocated, retried when another registration took the number first.
    /// </summary>
    public async Task<RegistryVersion> AddVersionAsync(string name, string? feature, string? description, Func<int, DateTimeOffset, RegistryVersion> build, TimeProvider clock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(clock);
        var partition = TableKey.Encode(name);
        for (var attempt = 1; ; attempt++)
        {
            var item = await _table.GetEntityIfExistsAsync<RegistryItemRow>(partition, ItemRow, cancellationToken: cancellationToken);
            var number = item.HasValue ? item.Value!.LatestVersion + 1 : 1;
            var now = clock.GetUtcNow();
            var version = build(number, now);
            var itemRow = item.HasValue ? item.Value! : new RegistryItemRow
            {
                PartitionKey = partition,
                RowKey = ItemRow,
                Name = name,
                Kind = KindOf(name).ToString(),
                Feature = feature,
                Description = description,
                CreatedAt = now,
            };
            itemRow.LatestVersion = number;
            TableTransactionAction[] actions =
            [
                item.HasValue
                    ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, itemRow, item.Value!.ETag)
                    : new TableTransactionAction(TableTransactionActionType.Add, itemRow),
                new TableTransactionAction(TableTransactionActionType.Add, RegistryVersionRow.From(version, VersionRow(number))),
            ];
            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken);
                return version;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < RegisterAttempts)
            {
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
                throw LlmOpsException.Conflict($"{name}: {RegisterAttempts} attempts to allocate a version number all collided with other registrations; try again.", ex);
            }
        }
    }

    /// <summary>The registered item with its aliases, or null.</summary>
    public async Task<RegisteredItem?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        var row = await _table.GetEntityIfExistsAsync<RegistryItemRow>(TableKey.Encode(name), ItemRow, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } item)
        {
            return null;
        }

        var aliases = new List<RegistryAlias>();
        await foreach (var alias in _table.QueryAsync<RegistryAliasRow>(TableKey.PrefixFilter(TableKey.Encode(name), AliasPrefix), cancellationToken: cancellationToken))
        {
            aliases.Add(alias.ToAlias(name));
        }

        return new RegisteredItem(
            name,
            Enum.Parse<RegistryKind>(item.Kind),
            item.Description,
            item.Feature,
            JsonSerializer.Deserialize<Dictionary<string, string>>(item.Tags) ?? [],
            item.LatestVersion,
            aliases,
            item.CreatedAt);
    }

    /// <summary>Every registered name, models then prompts (the table's order), page by page.</summary>
    public async IAsyncEnumerable<RegisteredItem> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<RegistryItemRow>(e => e.RowKey == ItemRow, select: [nameof(RegistryItemRow.Name)], cancellationToken: cancellationToken))
        {
            if (await GetAsync(row.Name, cancellationToken) is { } item)
            {
                yield return item;
            }
        }
    }

    public async Task<RegistryVersion?> GetVersionAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        var row = await _table.GetEntityIfExistsAsync<RegistryVersionRow>(TableKey.Encode(name), VersionRow(version), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.ToVersion() : null;
    }

    /// <summary>A name's versions, oldest first, page by page.</summary>
    public async IAsyncEnumerable<RegistryVersion> ListVersionsAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        await foreach (var row in _table.QueryAsync<RegistryVersionRow>(TableKey.PrefixFilter(TableKey.Encode(name), VersionPrefix), cancellationToken: cancellationToken))
        {
            yield return row.ToVersion();
        }
    }

    public async Task<RegistryAlias?> GetAliasAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        ValidateAlias(alias);
        var row = await _table.GetEntityIfExistsAsync<RegistryAliasRow>(TableKey.Encode(name), AliasPrefix + alias, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.ToAlias(name) : null;
    }

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/> if it is still as <paramref name="current"/> (null: absent); a lost race is a conflict.</summary>
    public async Task<RegistryAlias> WriteAliasAsync(string name, string alias, int version, RegistryAlias? current, string by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var row = new RegistryAliasRow
        {
            PartitionKey = TableKey.Encode(name),
            RowKey = AliasPrefix + alias,
            Alias = alias,
            Version = version,
            MovedAt = at,
            MovedBy = by,
        };
        Response response;
        try
        {
            response = current is null
                ? await _table.AddEntityAsync(row, cancellationToken)
                : await _table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            var now = await GetAliasAsync(name, alias, cancellationToken);
            throw LlmOpsException.Conflict(
                $"The alias '{alias}' of {name} was moved by someone else while this move was in flight (it now points at {(now is null ? "nothing" : VersionId(name, now.Version))}); it was not changed. Check it and try again.",
                ex);
        }

        return row.ToAlias(name) with { ETag = response.Headers.ETag ?? default };
    }

    public async Task AddDeploymentAsync(Deployment deployment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        await _table.AddEntityAsync(
            new DeploymentRow
            {
                PartitionKey = TableKey.Encode(deployment.Name),
                RowKey = DeploymentRowKey(deployment),
                Id = deployment.Id,
                Version = deployment.Version,
                Environment = deployment.Environment,
                DeployedAt = deployment.DeployedAt,
                DeployedBy = deployment.DeployedBy,
                CanaryPercent = deployment.CanaryPercent,
                Stable = deployment.Stable,
                Status = deployment.Status,
                ShadowVersion = deployment.ShadowVersion,
                ShadowPercent = deployment.ShadowPercent,
            },
            cancellationToken);
    }

    /// <summary>A name's deployments, newest first, page by page.</summary>
    public async IAsyncEnumerable<Deployment> ListDeploymentsAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        await foreach (var row in _table.QueryAsync<DeploymentRow>(TableKey.PrefixFilter(TableKey.Encode(name), DeployPrefix), cancellationToken: cancellationToken))
        {
            yield return row.ToDeployment(name);
        }
    }

    /// <summary>What serves <paramref name="name"/> in <paramref name="environment"/>: the newest deployment serving all traffic and the canary beside it, if one runs.</summary>
    public async Task<TrafficSplit> GetTrafficAsync(string name, string environment, CancellationToken cancellationToken = default)
    {
        name = QualifiedName(name);
        Deployment? stable = null, canary = null;
        await foreach (var deployment in ListDeploymentsAsync(name, cancellationToken))
        {
            if (deployment.Environment != environment)
            {
                continue;
            }

            if (deployment.Status == Deployment.Canary && stable is null)
            {
                canary ??= deployment;
            }
            else if (deployment.Serves)
            {
                stable = deployment;
                break;
            }
        }

        return new TrafficSplit(name, environment, stable, canary);
    }

    /// <summary>Ends a canary as promoted or rolled back, unless it is no longer a canary (another check decided first): a conflict.</summary>
    public async Task<(Deployment Decided, string? Stable)> DecideCanaryAsync(Deployment canary, bool promote, string decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var name = QualifiedName(canary.Name);
        var row = (await _table.GetEntityIfExistsAsync<DeploymentRow>(TableKey.Encode(name), DeploymentRowKey(canary), cancellationToken: cancellationToken)).Value
            ?? throw LlmOpsException.NotFound($"{canary.Id} is not a deployment of {name}.");
        if (row.Status != Deployment.Canary)
        {
            throw LlmOpsException.Conflict($"{canary.Id} is no longer a canary ({row.Status}{(row.Decision is null ? "" : ", " + row.Decision)}).");
        }

        row.Status = promote ? Deployment.Promoted : Deployment.RolledBack;
        row.Decision = decision;
        try
        {
            await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw LlmOpsException.Conflict($"{canary.Id} was decided by another check meanwhile.");
        }

        return (row.ToDeployment(name), row.Stable);
    }

    /// <summary>Merges tags into a name's item row (and sets its description when given); returns its feature and the tags as stored.</summary>
    public async Task<(string? Feature, string Tags)> SetTagsAsync(string name, IReadOnlyDictionary<string, string> tags, string? description, Func<string?, Task> authorize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(authorize);
        name = QualifiedName(name);
        var row = await _table.GetEntityIfExistsAsync<RegistryItemRow>(TableKey.Encode(name), ItemRow, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } item)
        {
            throw LlmOpsException.NotFound($"{name} is not registered.");
        }

        await authorize(item.Feature);
        var merged = JsonSerializer.Deserialize<Dictionary<string, string>>(item.Tags) ?? [];
        foreach (var (key, value) in tags)
        {
            merged[key] = value;
        }

        item.Tags = JsonSerializer.Serialize(merged);
        if (description is not null)
        {
            item.Description = description;
        }

        try
        {
            await _table.UpdateEntityAsync(item, item.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw LlmOpsException.Conflict($"{name} changed while its tags were being set; try again.", ex);
        }

        return (item.Feature, item.Tags);
    }

    private static string VersionRow(int version) => VersionPrefix + version.ToString("D10", CultureInfo.InvariantCulture);

    private static string DeploymentRowKey(Deployment deployment) =>
        $"{DeployPrefix}{TableKey.NewestFirst(DeploymentTime(deployment.Id))}|{TableKey.Encode(deployment.Id)}";

    /// <summary>The time in a deployment id's ULID (the row key is built from it, so it survives the table's time precision).</summary>
    private static DateTimeOffset DeploymentTime(string id) => Ulid.Parse(id[(id.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture).Time;

    [GeneratedRegex("^(model|prompt):[a-z0-9][a-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasPattern();
}
