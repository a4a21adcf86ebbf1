namespace LlmOps.Lifecycle;

/// <summary>What a drop does with a record whose id is in the source's previous version with other content.</summary>
public enum UpdatePolicy
{
    /// <summary>The new content replaces the old in the new version (diff reports the id as changed).</summary>
    Replace,

    /// <summary>The record is quarantined (rule <c>on_update</c>) and the new version lacks it.</summary>
    Quarantine,
}
