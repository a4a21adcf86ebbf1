using LlmOps.Tracking;

namespace LlmOps.Tests.Tracking;

public sealed class GitRevisionTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("llmops-git-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Find_LooseBranchRef_FromASubdirectory()
    {
        Write(".git/HEAD", "ref: refs/heads/main\n");
        Write(".git/refs/heads/main", Commit + "\n");
        Assert.Equal(Commit, GitRevision.Find(Directory.CreateDirectory(Path.Combine(_root.FullName, "notebooks", "deep")).FullName));
    }

    [Fact]
    public void Find_PackedRef_DetachedHead_AndWorktreePointer()
    {
        Write(".git/HEAD", "ref: refs/heads/feature/x\n");
        Write(".git/packed-refs", "# pack-refs with: peeled fully-peeled sorted\n" + Commit + " refs/heads/feature/x\n");
        Assert.Equal(Commit, GitRevision.Find(_root.FullName));

        var detached = new string('f', 40);
        Write("wt/.git", "gitdir: ../.git/worktrees/wt\n");
        Write(".git/worktrees/wt/HEAD", detached + "\n");
        Write(".git/worktrees/wt/commondir", "../..\n");
        Assert.Equal(detached, GitRevision.Find(Path.Combine(_root.FullName, "wt")));
    }

    [Fact]
    public void Find_OutsideAnyCheckout_Null()
    {
        Assert.Null(GitRevision.Find(_root.FullName));
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
