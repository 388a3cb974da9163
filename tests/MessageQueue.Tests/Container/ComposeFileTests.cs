using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Container;

/// <summary>
/// compose.yaml, read without a container engine: the topology of build/cluster.sh (PostgreSQL, Redis, three
/// gateways on them, HAProxy in front of the three), each part wired to the others by service name.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string[] Gateways = ["gateway-1", "gateway-2", "gateway-3"];

    private readonly Dictionary<string, object> _services = ComposeFile.Map(ComposeFile.Load(), "services");

    [Fact]
    public void HasPostgreSqlRedisThreeGatewaysBuiltFromTheDockerfileAndHaProxy()
    {
        string[] expected = ["postgres", "redis", .. Gateways, "haproxy"];
        Assert.Equal(expected.Order(), _services.Keys.Order());
        Assert.Equal("postgres:15", Service("postgres")["image"]);
        Assert.Equal("redis:7", Service("redis")["image"]);
        Assert.Equal("haproxy:2.6", Service("haproxy")["image"]);
        foreach (var name in Gateways)
        {
            var build = ComposeFile.Map(Service(name), "build");
            Assert.Equal((".", "Dockerfile"), ((string)build["context"], (string)build["dockerfile"]));
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "Dockerfile")));
        }
        Assert.True(ComposeFile.Map(Service("postgres"), "healthcheck").ContainsKey("test"), "postgres has no health check to wait on.");
        Assert.True(ComposeFile.Map(Service("redis"), "healthcheck").ContainsKey("test"), "redis has no health check to wait on.");
    }

    [Fact]
    public void EachGatewayStoresInThePostgresServicesDatabaseRelaysThroughTheRedisServiceUnderItsOwnName()
    {
        var database = (string)ComposeFile.Map(Service("postgres"), "environment")["POSTGRES_DB"];
        var names = new List<string>();
        foreach (var name in Gateways)
        {
            var environment = ComposeFile.Map(Service(name), "environment");
            Assert.Equal("postgresql", ((string)environment["Store__Provider"]).ToLowerInvariant());
            var connection = ((string)environment["ConnectionStrings__MessageQueue"]).Split(';')
                .Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
            Assert.Equal(("postgres", database), (connection["host"], connection["database"]));
            Assert.Equal("redis", ((string)environment["Bus__Redis"]).Split(',')[0].Split(':')[0]);
            names.Add((string)environment["Instance__Name"]);
            // Beyond loopback the gateway refuses to start without credentials (or Auth__AllowAnonymous).
            Assert.True(environment.ContainsKey("Auth__ApiKeys__0__Key") || environment.ContainsKey("Auth__AllowAnonymous"), $"{name} would refuse to start: no credentials.");

            var dependsOn = ComposeFile.Map(Service(name), "depends_on");
            foreach (var server in new[] { "postgres", "redis" })
                Assert.Equal("service_healthy", ComposeFile.Map(dependsOn, server)["condition"]);
        }
        Assert.Equal(Gateways.Length, names.Distinct().Count());

        // Each instance's ZeroMQ doors on host ports of their own.
        var hostPorts = Gateways.SelectMany(g => ComposeFile.List(Service(g), "ports")).Select(p => p.Split(':')[0]).ToList();
        Assert.Equal(hostPorts.Count, hostPorts.Distinct().Count());
    }

    [Fact]
    public void HaProxysConfigurationExistsAndBalancesTheThreeGatewaysWhichItWaitsFor()
    {
        var haproxy = Service("haproxy");
        var mount = ComposeFile.List(haproxy, "volumes").Single(v => v.Contains("/usr/local/etc/haproxy/haproxy.cfg", StringComparison.Ordinal));
        var configuration = Path.Combine(RepositoryPaths.Root, mount.Split(':')[0]);
        Assert.True(File.Exists(configuration), $"{mount}: no such file in the repository.");
        var lines = File.ReadAllLines(configuration).Select(l => l.Trim()).ToList();

        foreach (var name in Gateways)
        {
            Assert.Contains($"server {name} {name}:5080 check", lines);
            Assert.Contains($"server {name} {name}:5080 cookie {name} track rest/{name}", lines);
            Assert.Equal("service_healthy", ComposeFile.Map(ComposeFile.Map(haproxy, "depends_on"), name)["condition"]);
        }
        Assert.Contains("bind :5080", lines);
        Assert.Contains("5080:5080", ComposeFile.List(haproxy, "ports"));
    }

    private Dictionary<string, object> Service(string name) => ComposeFile.Map(_services, name);
}
