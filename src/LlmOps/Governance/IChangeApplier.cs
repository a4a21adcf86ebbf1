namespace LlmOps.Governance;

/// <summary>Redoes an approved change of its <see cref="Kind"/> from the request's parameters; returns what it produced (an id).</summary>
public interface IChangeApplier
{
    IReadOnlyCollection<string> Kinds { get; }

    Task<string> ApplyAsync(ChangeRequest request, CancellationToken cancellationToken);
}
