namespace LlmOps.Tracking;

/// <summary>Reads the commit checked out in a git working tree from its files (no git process), as MLflow records <c>mlflow.source.git.commit</c>.</summary>
public static class GitRevision
{
    /// <summary>The 40-hex commit of HEAD for the checkout containing <paramref name="directory"/>, or null outside one.</summary>
    public static string? Find(string directory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(directory)); dir is not null; dir = dir.Parent)
        {
            var dotGit = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(dotGit))
            {
                return ReadHead(dotGit, dotGit);
            }

            if (File.Exists(dotGit) && File.ReadAllText(dotGit).Trim() is var pointer && pointer.StartsWith("gitdir:", StringComparison.Ordinal))
            {
                // A worktree or submodule: .git names the real git dir, whose commondir holds the shared refs.
                var gitDir = Path.GetFullPath(Path.Combine(dir.FullName, pointer["gitdir:".Length..].Trim()));
                var commonFile = Path.Combine(gitDir, "commondir");
                var common = File.Exists(commonFile) ? Path.GetFullPath(Path.Combine(gitDir, File.ReadAllText(commonFile).Trim())) : gitDir;
                return ReadHead(gitDir, common);
            }
        }

        return null;
    }

    private static string? ReadHead(string gitDir, string commonDir)
    {
        var headFile = Path.Combine(gitDir, "HEAD");
        if (!File.Exists(headFile))
        {
            return null;
        }

        var head = File.ReadAllText(headFile).Trim();
        if (!head.StartsWith("ref:", StringComparison.Ordinal))
        {
            return IsCommit(head) ? head : null;
        }

        var reference = head[4..].Trim();
        foreach (var root in new[] { gitDir, commonDir })
        {
            var loose = Path.Combine(root, reference.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(loose) && File.ReadAllText(loose).Trim() is var commit && IsCommit(commit))
            {
                return commit;
            }
        }

        var packed = Path.Combine(commonDir, "packed-refs");
        if (File.Exists(packed))
        {
            foreach (var line in File.ReadLines(packed))
            {
                var parts = line.Split(' ', 2);
                if (parts.Length == 2 && parts[1] == reference && IsCommit(parts[0]))
                {
                    return parts[0];
                }
            }
        }

        return null;
    }

    private static bool IsCommit(string text) => text.Length is 40 or 64 && text.All(char.IsAsciiHexDigitLower);
}
