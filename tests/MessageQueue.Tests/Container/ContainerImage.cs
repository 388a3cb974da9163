using System.Text.RegularExpressions;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Container;

/// <summary>The repository's Dockerfile read as the container sees it: the base image's environment, then the file's.</summary>
public static partial class ContainerImage
{
    public const string ReplyEndpointKey = "Zmq__ReplyEndpoint";
    public const string PublishEndpointKey = "Zmq__PublishEndpoint";
    public const string ConnectionStringKey = "ConnectionStrings__MessageQueue";
    public const string KeysDirectoryKey = "Email__KeysDirectory";
    public const string PickupDirectoryKey = "Email__PickupDirectory";

    /// <summary>
    /// What mcr.microsoft.com/dotnet/aspnet:10.0 sets before any line of ours (dotnet-docker's runtime-deps
    /// Dockerfiles): the UID of its non-root user "app", Kestrel on port 8080 unless told otherwise, the container flag.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> BaseImageEnvironment = new Dictionary<string, string>
    {
        ["APP_UID"] = "1654",
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
    };

    public static string DockerfilePath => Path.Combine(RepositoryPaths.Root, "Dockerfile");

    public static string DockerIgnorePath => Path.Combine(RepositoryPaths.Root, ".dockerignore");

    public static Dockerfile Load() => Dockerfile.Load(DockerfilePath);

    /// <summary>The environment a container of the final stage starts with.</summary>
    public static Dictionary<string, string> RuntimeEnvironment(Dockerfile dockerfile)
    {
        var environment = new Dictionary<string, string>(BaseImageEnvironment, StringComparer.Ordinal);
        foreach (var (key, value) in dockerfile.Final.Environment())
            environment[key] = Dockerfile.Expand(value, environment);
        return environment;
    }

    /// <summary>
    /// Where Kestrel listens with this environment, as the gateway decides (Hosting/HttpDefaults.cs):
    /// <c>ASPNETCORE_URLS</c>, else <c>ASPNETCORE_HTTP_PORTS</c> on every interface, else <c>DefaultUrls</c>.
    /// </summary>
    public static IReadOnlyList<string> HttpUrls(IReadOnlyDictionary<string, string> environment)
    {
        if (environment.TryGetValue("ASPNETCORE_URLS", out var urls) && urls.Length > 0)
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (environment.TryGetValue("ASPNETCORE_HTTP_PORTS", out var ports) && ports.Length > 0)
            return [.. ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")];
        return [environment.GetValueOrDefault("DefaultUrls", "http://127.0.0.1:5080")];
    }

    /// <summary>Host and port of a listen address such as <c>http://+:5080</c> or <c>tcp://*:8080</c>.</summary>
    public static (string Host, int Port) HostAndPort(string address)
    {
        var match = ListenAddress().Match(address);
        Assert.True(match.Success, $"'{address}' is not scheme://host:port.");
        return (match.Groups["host"].Value, int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The same listen address on 127.0.0.1 and a free port (0), for running the published build beside others.</summary>
    public static string OnFreeLoopbackPort(string address)
    {
        var match = ListenAddress().Match(address);
        Assert.True(match.Success, $"'{address}' is not scheme://host:port.");
        return $"{match.Groups["scheme"].Value}://127.0.0.1:0{match.Groups["path"].Value}";
    }

    [GeneratedRegex(@"^(?<scheme>[a-z]+)://(?<host>\[[^\]]*\]|[^:/]+):(?<port>\d+)(?<path>/.*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex ListenAddress();
}
