using System.CommandLine;
using System.Globalization;
using LlmOps.Governance;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops identity`, `llmops keys`, `llmops roles` and `llmops audit`: who calls, what they may do, and what they did.</summary>
internal static class GovernanceCommands
{
    public static IEnumerable<Command> Create(IAnsiConsole console) => [Identity(console), Keys(console), Roles(console), Audit(console), Approvals(console)];

    private static Command Approvals(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var status = new Option<string?>("--status") { Description = "Only requests in this status: pending, applied, rejected or failed." };
        status.AcceptOnlyFromAmong(ChangeRequest.Pending, ChangeRequest.Applied, ChangeRequest.Rejected, ChangeRequest.Failed);
        var limit = LimitOption.Create("requests");
        var list = new Command("list", "Changes that reach production and wait for (or went through) approval, newest first.") { status, limit, connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var max = parse.GetValue(limit) is > 0 and var l ? l : int.MaxValue;
            var table = new Table().AddColumns("Request", "Change", "Target", "Requested by", "Why", "Approvals", "Status").Border(TableBorder.Rounded);
            var shown = 0;
            await foreach (var request in services.Governance.Approvals.ListAsync(parse.GetValue(status), cancellationToken))
            {
                table.AddRow(Markup.Escape(request.Id), Markup.Escape(request.Kind), Markup.Escape(request.Target), Markup.Escape(request.RequestedBy), Markup.Escape(request.Why ?? ""),
                    Markup.Escape($"{request.Approvals.Count}/{request.Required} ({RoleNames.Name(request.Role)}){(request.Approvals.Count == 0 ? "" : ": " + string.Join(", ", request.Approvals.Select(a => a.By)))}"),
                    Markup.Escape(request.Status + (request.Rejection is { } r ? $" by {r.By}: {r.Reason}" : request.Result is { } result ? $": {result}" : "")));
                if (++shown >= max)
                {
                    break;
                }
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{shown} requests.");
            return 0;
        }));

        var approveId = new Argument<string>("id") { Description = "The change request (change:<ulid>)." };
        var approveReason = new Option<string?>("--reason") { Description = "Why (recorded)." };
        var approveConnection = StorageOption.Create();
        var approve = new Command("approve", "Approve a pending change (the request's role, not its requester); the last approval it needs applies it.") { approveId, approveReason, approveConnection };
        approve.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, approveConnection, cancellationToken);
            var request = await services.Governance.ApproveAsync(parse.GetValue(approveId)!, parse.GetValue(approveReason), cancellationToken);
            console.MarkupLineInterpolated(request.Status == ChangeRequest.Applied
                ? (FormattableString)$"[green]Approved and applied[/] {request.Id}: {request.Result}."
                : $"[green]Approved[/] {request.Id}: {request.Approvals.Count} of {request.Required} approvals.");
            return 0;
        }));

        var rejectId = new Argument<string>("id") { Description = "The change request (change:<ulid>)." };
        var rejectReason = new Option<string>("--reason") { Description = "Why (recorded).", Required = true };
        var rejectConnection = StorageOption.Create();
        var reject = new Command("reject", "Reject a pending change (an approver), or withdraw it (its requester).") { rejectId, rejectReason, rejectConnection };
        reject.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, rejectConnection, cancellationToken);
            var request = await services.Governance.RejectAsync(parse.GetValue(rejectId)!, parse.GetValue(rejectReason)!, cancellationToken);
            console.MarkupLineInterpolated($"[green]Rejected[/] {request.Id}.");
            return 0;
        }));
        return new Command("approvals", "Four-eyes approval of changes that reach production (the lifecycle's governance section).") { list, approve, reject };
    }

    private static Command Identity(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var show = new Command("show", "Who this CLI acts as: the signed-in Azure identity against an account reached with Entra tokens, else the local identity file ($LLMOPS_IDENTITY or ~/.llmops/identity.json); and the roles it holds.") { connection };
        show.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var caller = services.Caller;
            var roles = await services.Governance.Roles.GetAsync(caller.Id, cancellationToken);
            var enforced = await services.Governance.IsEnforcedAsync(cancellationToken);
            console.MarkupLineInterpolated($"{caller.Id} ({caller.Name}, {caller.Source})");
            console.MarkupLineInterpolated($"Roles: {(roles.Count == 0 ? "none" : string.Join(", ", roles.Select(r => $"{RoleNames.Name(r.Role)} on {r.Feature}")))}");
            console.MarkupLine(enforced
                ? "Roles are enforced (an admin exists)."
                : "[yellow]No admin yet: every caller may do everything until one is granted[/] (llmops roles grant <principal> admin).");
            return 0;
        }));

        var name = new Argument<string>("name") { Description = "The name to record changes under (letters, digits, '.', '_', '@', '-')." };
        var set = new Command("set", "Write the local identity file: every change this CLI and the notebooks make on Azurite is recorded as local:<name>.") { name };
        set.SetAction(async (parse, _) => await CliErrors.RunAsync(console, () =>
        {
            var caller = ProcessIdentity.Save(parse.GetValue(name)!);
            console.MarkupLineInterpolated($"[green]{caller.Id}[/] written to {ProcessIdentity.FilePath}.");
            return Task.FromResult(0);
        }));
        return new Command("identity", "Who the CLI and notebooks act as.") { show, set };
    }

    private static Command Keys(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var name = new Argument<string>("name") { Description = "The key's name (lower-case letters, digits, '-'); its principal is key:<name>." };
        var role = RoleOption();
        var feature = FeatureOption();
        var create = new Command("create", "Create a named key for the HTTP API with a role (admin only). The secret is printed once; only its SHA-256 is stored.") { name, role, feature, connection };
        create.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var (key, secret) = await services.Governance.CreateKeyAsync(parse.GetValue(name)!, RoleNames.Parse(parse.GetValue(role)!), parse.GetValue(feature), cancellationToken);
            console.MarkupLineInterpolated($"[green]Created {key.Principal}[/] ({parse.GetValue(role)} on {parse.GetValue(feature) ?? RoleNames.AnyFeature}). Its secret, shown only now:");
            console.WriteLine(secret);
            console.MarkupLine("Send it in the x-llmops-key header (or as the function key, locally).");
            return 0;
        }));

        var listConnection = StorageOption.Create();
        var list = new Command("list", "Named keys: who created them, when, and whether revoked (never their secrets).") { listConnection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, listConnection, cancellationToken);
            var table = new Table().AddColumns("Principal", "Created", "By", "Revoked").Border(TableBorder.Rounded);
            await foreach (var key in services.Keys.ListAsync(cancellationToken))
            {
                table.AddRow(Markup.Escape(key.Principal), key.CreatedAt.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(key.CreatedBy), key.RevokedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "");
            }

            console.Write(table);
            return 0;
        }));

        var revokeName = new Argument<string>("name") { Description = "The key's name." };
        var revokeConnection = StorageOption.Create();
        var revoke = new Command("revoke", "Revoke a named key (admin only): it opens nothing from now on.") { revokeName, revokeConnection };
        revoke.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, revokeConnection, cancellationToken);
            var key = await services.Governance.RevokeKeyAsync(parse.GetValue(revokeName)!, cancellationToken);
            console.MarkupLineInterpolated($"[green]Revoked {key.Principal}[/].");
            return 0;
        }));
        return new Command("keys", "Named keys for the HTTP API, each a principal with roles.") { create, list, revoke };
    }

    private static Command Roles(IAnsiConsole console)
    {
        Command Change(string verb, string description, bool grant)
        {
            var connection = StorageOption.Create();
            var principal = new Argument<string>("principal") { Description = "key:<name>, entra:<object id> or local:<name>." };
            var role = new Argument<string>("role") { Description = "reader, contributor, labeler, approver or admin." };
            var feature = FeatureOption();
            var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log)." };
            var command = new Command(verb, description) { principal, role, feature, reason, connection };
            command.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
            {
                using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
                var who = parse.GetValue(principal)!;
                var what = RoleNames.Parse(parse.GetValue(role)!);
                var scope = parse.GetValue(feature);
                if (grant)
                {
                    await services.Governance.GrantAsync(who, what, scope, parse.GetValue(reason), cancellationToken);
                    console.MarkupLineInterpolated($"[green]{who}[/] is {RoleNames.Name(what)} on {scope ?? "every feature"}.");
                    return 0;
                }

                var held = await services.Governance.RevokeAsync(who, what, scope, parse.GetValue(reason), cancellationToken);
                if (held)
                {
                    console.MarkupLineInterpolated($"[green]{who}[/] is no longer {RoleNames.Name(what)} on {scope ?? "every feature"}.");
                }
                else
                {
                    console.MarkupLineInterpolated($"[yellow]{who} did not hold {RoleNames.Name(what)} on {scope ?? "every feature"}[/].");
                }

                return held ? 0 : 1;
            }));
            return command;
        }

        var listConnection = StorageOption.Create();
        var list = new Command("list", "Every role assignment, and whether roles are enforced yet.") { listConnection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, listConnection, cancellationToken);
            var table = new Table().AddColumns("Principal", "Role", "Feature", "Granted by", "At").Border(TableBorder.Rounded);
            await foreach (var row in services.Governance.Roles.ListAsync(cancellationToken))
            {
                table.AddRow(Markup.Escape(row.Principal), RoleNames.Name(row.Role), Markup.Escape(row.Feature), Markup.Escape(row.GrantedBy), row.GrantedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            if (!await services.Governance.IsEnforcedAsync(cancellationToken))
            {
                console.MarkupLine("[yellow]No admin yet: every caller may do everything until one is granted.[/]");
            }

            return 0;
        }));
        return new Command("roles", "Roles per feature: reader, contributor, labeler, approver, admin.")
        {
            Change("grant", "Grant a role (admin only; on a store without an admin, anyone grants the first).", grant: true),
            Change("revoke", "Revoke a role (admin only).", grant: false),
            list,
        };
    }

    private static Command Audit(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var who = new Option<string?>("--who") { Description = "Only changes by this principal." };
        var action = new Option<string?>("--action") { Description = "Only this action (registry.alias, lifecycle.publish, dataset.ingest, ...)." };
        var target = new Option<string?>("--target") { Description = "Only changes of this id." };
        var feature = FeatureOption();
        var limit = LimitOption.Create("entries");
        var list = new Command("list", "The audit log, newest first: who changed what, when, why, from and to.") { who, action, target, feature, limit, connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var max = parse.GetValue(limit) is > 0 and var l ? l : int.MaxValue;
            var table = new Table().AddColumns("#", "At", "Who", "Action", "Target", "Before", "After", "Why").Border(TableBorder.Rounded);
            var shown = 0;
            await foreach (var entry in services.Governance.Audit.ListAsync(parse.GetValue(who), parse.GetValue(action), parse.GetValue(target), parse.GetValue(feature), cancellationToken: cancellationToken))
            {
                table.AddRow(entry.Seq.ToString(CultureInfo.InvariantCulture), entry.At.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(entry.Who), Markup.Escape(entry.Action),
                    Markup.Escape(entry.Target), Markup.Escape(entry.Before ?? ""), Markup.Escape(entry.After ?? ""), Markup.Escape(entry.Why ?? ""));
                if (++shown >= max)
                {
                    break;
                }
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{shown} entries.");
            return 0;
        }));

        var index = new Option<bool>("--index") { Description = "Also check that every indexed entry carries the log's hash (reads the whole index)." };
        var verifyConnection = StorageOption.Create();
        var verify = new Command("verify", "Recompute the hash chain of the whole log: exit 0 when whole, 1 naming the first entry altered, removed or reordered.") { index, verifyConnection };
        verify.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, verifyConnection, cancellationToken);
            var result = await services.Governance.Audit.VerifyAsync(parse.GetValue(index), new Progress<long>(n => console.MarkupLineInterpolated($"[grey]{n:N0} entries verified...[/]")), cancellationToken);
            if (result.Valid)
            {
                console.MarkupLineInterpolated($"[green]The audit log is whole[/]: {result.Entries:N0} entries in {result.Segments} segment(s), {result.Bytes:N0} bytes.");
                return 0;
            }

            console.MarkupLineInterpolated($"[red]The audit log is broken at entry {result.FirstBadSeq}[/]: {result.Problem}.");
            return 1;
        }));
        return new Command("audit", "The append-only, hash-chained audit log of every change.") { list, verify };
    }

    private static Option<string> RoleOption() => new("--role")
    {
        Description = "reader, contributor, labeler, approver or admin.",
        Required = true,
    };

    private static Option<string?> FeatureOption() => new("--feature") { Description = "One feature (default: every feature)." };
}
