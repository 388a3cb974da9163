using MessageQueue.Gateway.Security;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace MessageQueue.Tests.Container;

/// <summary>
/// The image's promises, read from the Dockerfile and .dockerignore (no Docker engine is needed): how it is built,
/// what it exposes and binds, who it runs as, where its state lives and how its health is probed.
/// </summary>
public sealed class DockerfileContractTests
{
    private static readonly int[] DoorPorts = [5080, 8080, 5000];

    private readonly Dockerfile _dockerfile = ContainerImage.Load();
    private readonly Dictionary<string, string> _environment;

    public DockerfileContractTests() => _environment = ContainerImage.RuntimeEnvironment(_dockerfile);

    [Fact]
    public void BuildsOnTheSdkImageAndRunsOnTheAspNetRuntimeImage()
    {
        Assert.True(_dockerfile.Stages.Count >= 2, "The Dockerfile is not multi-stage.");
        var build = _dockerfile.Stages[0];
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", build.BaseImage);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", _dockerfile.Final.BaseImage);
        Assert.NotNull(build.Name);

        // The final stage takes the published program from the build stage, and the build stage publishes it
        // with the script CI runs.
        Assert.Contains(_dockerfile.Final.All("COPY"), c => c.SplitFlags().Flags.GetValueOrDefault("from") == build.Name);
        Assert.Contains(build.All("RUN"), r => r.Arguments.StartsWith("build/publish.sh ", StringComparison.Ordinal) && !r.Arguments.Contains("--restore", StringComparison.Ordinal));
    }

    [Fact]
    public void ExposesExactlyTheThreeDoorsOnTheAddressesItBindsOnEveryInterface()
    {
        var exposed = _dockerfile.Final.All("EXPOSE").SelectMany(e => e.Words()).Select(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(DoorPorts.Order(), exposed.Order());

        var httpUrls = ContainerImage.HttpUrls(_environment);
        var bound = httpUrls.Append(_environment[ContainerImage.ReplyEndpointKey]).Append(_environment[ContainerImage.PublishEndpointKey]).ToList();
        Assert.All(bound, address => Assert.False(Exposure.IsLoopbackUrl(address), $"{address} is not reachable from outside the container."));

        // HTTP only on 5080 (the base image's ASPNETCORE_HTTP_PORTS=8080 must not win: 8080 is the legacy reply port).
        var httpPorts = httpUrls.Select(u => ContainerImage.HostAndPort(u).Port).Distinct().ToList();
        Assert.True(httpPorts is [5080], $"HTTP would listen on {string.Join(", ", httpUrls)}, not on port 5080 alone.");
        Assert.Equal(8080, ContainerImage.HostAndPort(_environment[ContainerImage.ReplyEndpointKey]).Port);
        Assert.Equal(5000, ContainerImage.HostAndPort(_environment[ContainerImage.PublishEndpointKey]).Port);
    }

    [Fact]
    public void RunsAsANonRootUser()
    {
        var user = _dockerfile.Final.All("USER").LastOrDefault();
        Assert.True(user is not null, "The final stage sets no USER: the gateway would run as root.");
        var resolved = Dockerfile.Expand(user.Arguments, _environment).Split(':')[0];
        Assert.DoesNotContain("$", resolved, StringComparison.Ordinal);
        var isRoot = resolved is "" or "root" || (int.TryParse(resolved, System.Globalization.CultureInfo.InvariantCulture, out var uid) && uid == 0);
        Assert.False(isRoot, $"USER {user.Arguments} is root.");
    }

    [Fact]
    public void ProbesTheHealthEndpointOnTheHttpPortWithoutToolsTheImageLacks()
    {
        var healthCheck = _dockerfile.Final.All("HEALTHCHECK").LastOrDefault();
        Assert.True(healthCheck is not null, "The final stage has no HEALTHCHECK.");
        var command = HealthCheckCommand(_dockerfile);
        var text = string.Join(' ', command);

        Assert.Matches("/health/(live|ready)", text);
        Assert.Contains("127.0.0.1/5080", text, StringComparison.Ordinal);
        // The aspnet image has neither curl nor wget.
        Assert.DoesNotContain(command, word => word is "curl" or "wget");
        Assert.True(healthCheck.SplitFlags().Flags.ContainsKey("timeout"), "A probe that hangs must be cut short: set --timeout.");
    }

    [Fact]
    public void KeepsTheDatabaseTheKeysAndTheMailInVolumesTheAppUserOwns()
    {
        var volumes = _dockerfile.Final.All("VOLUME").SelectMany(v => v.Words()).Select(v => v.TrimEnd('/')).ToList();
        Assert.NotEmpty(volumes);
        var workdir = _dockerfile.Final.All("WORKDIR").Last().Arguments;

        var database = new SqliteConnectionStringBuilder(_environment[ContainerImage.ConnectionStringKey]).DataSource;
        foreach (var path in new[] { database, _environment[ContainerImage.KeysDirectoryKey], _environment[ContainerImage.PickupDirectoryKey] })
        {
            var absolute = Path.IsPathRooted(path) ? path : $"{workdir.TrimEnd('/')}/{path}";
            Assert.True(volumes.Any(v => absolute.StartsWith(v + "/", StringComparison.Ordinal) || absolute == v), $"{absolute} is in no VOLUME ({string.Join(", ", volumes)}).");
        }

        // Each volume folder is made and handed to the app user before VOLUME (a named volume starts as a copy of it,
        // owner included; later changes to it in the image are discarded).
        var volumeLine = _dockerfile.Final.All("VOLUME").First().Line;
        var preparing = _dockerfile.Final.All("RUN").Where(r => r.Line < volumeLine && r.Arguments.Contains("chown", StringComparison.Ordinal)).ToList();
        Assert.All(volumes, v => Assert.Contains(preparing, r => r.Arguments.Contains(v, StringComparison.Ordinal)));
    }

    [Fact]
    public void LeavesProtectedModeOnAndCarriesNoCredentials()
    {
        foreach (var stage in _dockerfile.Stages)
        {
            Assert.DoesNotContain(stage.Environment().Keys, k => k.StartsWith("Auth__", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(stage.Instructions, i => i.Arguments.Contains("AllowAnonymous", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void CopiesOnlyPathsThatExistInTheRepositoryAndReachTheBuildContext()
    {
        var ignore = DockerIgnore.Load(ContainerImage.DockerIgnorePath);
        var copies = _dockerfile.Stages.SelectMany(s => s.All("COPY").Concat(s.All("ADD"))).Where(c => !c.SplitFlags().Flags.ContainsKey("from")).ToList();
        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var words = copy.Words();
            foreach (var source in words.Take(words.Count - 1))
            {
                var path = Path.Combine(RepositoryPaths.Root, source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY on line {copy.Line}: {source} is not in the repository.");
                if (source != ".")
                    Assert.False(ignore.Excludes(source), $"COPY on line {copy.Line}: .dockerignore leaves {source} out of the build context.");
            }
        }
    }

    [Theory]
    [InlineData("bin")]
    [InlineData("obj")]
    [InlineData("src/MessageQueue.Gateway/bin/Release/net10.0/MessageQueue.Gateway.dll")]
    [InlineData("src/MessageQueue.Gateway/obj/project.assets.json")]
    [InlineData("src/MessageQueue.Gateway/node_modules/@microsoft/signalr/package.json")]
    [InlineData("data/messagequeue.db")]
    [InlineData("data/mail")]
    [InlineData("artifacts/publish/MessageQueue.Gateway.dll")]
    [InlineData(".cluster/publish/MessageQueue.Gateway.dll")]
    [InlineData("wwwroot/lib/signalr.min.js")]
    public void DockerIgnoreKeepsBuildOutputPackagesAndLocalStateOut(string path) =>
        Assert.True(DockerIgnore.Load(ContainerImage.DockerIgnorePath).Excludes(path), $".dockerignore lets {path} into the build context.");

    [Theory]
    [InlineData("src/MessageQueue.Gateway/Program.cs")]
    [InlineData("src/MessageQueue.Gateway/Storage")]
    [InlineData("appsettings.json")]
    [InlineData("wwwroot/index.html")]
    [InlineData(".editorconfig")]
    public void DockerIgnoreKeepsWhatThePublishNeeds(string path) =>
        Assert.False(DockerIgnore.Load(ContainerImage.DockerIgnorePath).Excludes(path), $".dockerignore leaves {path} out, and the publish needs it.");

    /// <summary>The HEALTHCHECK's command as its words (exec form), without the CMD keyword.</summary>
    public static IReadOnlyList<string> HealthCheckCommand(Dockerfile dockerfile)
    {
        var rest = dockerfile.Final.All("HEALTHCHECK").Last().SplitFlags().Remainder;
        Assert.StartsWith("CMD ", rest, StringComparison.Ordinal);
        var command = new Instruction("CMD", rest[4..].Trim(), 0).Words();
        Assert.NotEmpty(command);
        return command;
    }
}
