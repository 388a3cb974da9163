namespace MessageQueue.Tests.Docs;

/// <summary>Every relative link and image in README.md and docs/ leads somewhere real.</summary>
public sealed class DocumentLinkTests
{
    [Fact]
    public void EveryRelativeLinkAndImageResolvesToAFileInTheRepositoryAndEveryAnchorToAHeading()
    {
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var document in Markdown.Documents())
        {
            var folder = Path.GetDirectoryName(Path.Combine(Infrastructure.RepositoryPaths.Root, document))!;
            foreach (var target in Markdown.LinkTargets(Markdown.Read(document)))
            {
                if (IsExternal(target))
                    continue;
                checkedLinks++;
                if (Problem(document, folder, target) is { } problem)
                    broken.Add($"{document}: ({target}) {problem}");
            }
        }
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join('\n', broken));
        Assert.True(checkedLinks > 0, "No relative link was found: the link reader is broken.");
    }

    [Fact]
    public void GithubSlugsAreComputedAsGithubDoes()
    {
        Assert.Equal("curvezmq", Markdown.Slug("CurveZMQ"));
        Assert.Equal("who-may-do-what", Markdown.Slug("Who may do what"));
        Assert.Equal("zmq-and-the-hub", Markdown.Slug("`Zmq` and the [hub](api.md)"));
        Assert.Equal("resume-gaps--duplicates", Markdown.Slug("Resume, gaps & duplicates"));
        Assert.Equal(new HashSet<string> { "errors", "errors-1" }, Markdown.Anchors("## Errors\n```\n# not a heading\n```\n### Errors\n"));
    }

    [Fact]
    public void ABrokenLinkOrAnchorIsFound()
    {
        var folder = Infrastructure.RepositoryPaths.Root;
        Assert.NotNull(Problem("README.md", folder, "docs/no-such-page.md"));
        Assert.NotNull(Problem("README.md", folder, "README.md#no-such-heading"));
        Assert.NotNull(Problem("README.md", folder, "../outside.md"));
        Assert.Null(Problem("README.md", folder, "MessageQueue.sln"));
    }

    private static bool IsExternal(string target) =>
        target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    /// <summary>What is wrong with a relative link from <paramref name="document"/>, or null when it resolves.</summary>
    private static string? Problem(string document, string folder, string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        var anchor = hash < 0 ? null : target[(hash + 1)..];
        var file = path.Length == 0 ? Path.Combine(Infrastructure.RepositoryPaths.Root, document) : Path.GetFullPath(Path.Combine(folder, path));
        if (Markdown.Relative(file).StartsWith("../", StringComparison.Ordinal))
            return "leads outside the repository";
        if (!File.Exists(file) && !Directory.Exists(file))
            return "names no file";
        if (anchor is null)
            return null;
        if (!file.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            return "has an anchor into a file that is not markdown";
        return Markdown.Anchors(File.ReadAllText(file)).Contains(anchor) ? null : $"names no heading of {Markdown.Relative(file)}";
    }
}
