using System.Runtime.CompilerServices;
using LlmOps.Governance;

namespace LlmOps.Tests.Infrastructure;

/// <summary>Every client and CLI call of the tests acts as <c>local:tests</c>, from a file of its own (never the user's ~/.llmops).</summary>
public static class TestIdentity
{
    public const string Name = "tests";

    public static string Principal => Caller.Local(Name).Id;

    [ModuleInitializer]
    public static void Initialize()
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmops-tests-{Environment.ProcessId}", "identity.json");
        Environment.SetEnvironmentVariable(ProcessIdentity.PathVariable, path);
        ProcessIdentity.Save(Name);
    }
}
