using System.Text;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using MessageQueue.Tests.Security;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Tests.Realtime;

/// <summary>Refused hub calls are answered and counted, not logged with a stack; the gateway's own faults still are.</summary>
[Collection(OneGatewayAtATime.Name)] // reads /metrics
public sealed class HubLogTests
{
    private const int Calls = 240;

    [Fact]
    public async Task HundredsOfRefusedHubCallsAreAnsweredAndCountedWithoutFillingTheLog()
    {
        var logs = new CapturedLogs();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:0:Key"] = KeyedGateway.PublisherKey,
            ["Auth:ApiKeys:0:Role"] = "publisher",
        }, host => host.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(logs))));
        using var http = gateway.CreateClient();
        await using var anonymous = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var before = await ScrapeAsync(http);
        var logged = logs.Entries.Count;

        // Within the client's allowance (300 at once): refused for want of a key, and for bad input.
        for (var i = 0; i < Calls; i++)
        {
            var refused = await Assert.ThrowsAsync<HubException>(() => (i % 3) switch
            {
                0 => anonymous.PostAsync("React", $"call {i}"),
                1 => anonymous.SubscribeAsync("NoSuchSubject"),
                _ => anonymous.Connection.InvokeAsync("RegisterEmail", "React", "not an address"),
            });
            Assert.Contains((i % 3) switch { 0 => "HubException: unauthorized: ", 1 => "HubException: subject-not-found", _ => "HubException: invalid[email]" },
                refused.Message, StringComparison.Ordinal);
        }

        // Every refusal counted (the exporter caches a scrape briefly, so poll).
        double counted = 0;
        await Poll.UntilAsync(async () => (counted = Refused(await ScrapeAsync(http)) - Refused(before)) == Calls,
            () => $"{counted} of {Calls} refused calls counted.");
        var written = logs.Entries.Skip(logged).ToList();
        var bytes = written.Sum(e => Encoding.UTF8.GetByteCount(e.Text));
        Assert.True(bytes < 4096, $"{Calls} refused calls wrote {bytes} bytes of log at the configured levels:\n{string.Join('\n', written.Take(3).Select(e => e.Text))}");
        Assert.DoesNotContain(written, e => e.Exception is not null);
    }

    [Fact]
    public async Task AFaultOfTheGatewayInAHubCallIsLoggedAsAnErrorWithItsStack()
    {
        var logs = new CapturedLogs();
        using var gateway = new GatewayFactory(null, null, host => host.ConfigureServices(services =>
        {
            services.AddLogging(logging => logging.AddProvider(logs));
            services.Configure<HubOptions>(hub => hub.AddFilter(new FaultyListSubjects()));
        }));
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);

        var failed = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<object>("ListSubjects"));

        Assert.DoesNotContain(FaultyListSubjects.Message, failed.Message, StringComparison.Ordinal); // no detail leaks to the client
        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error && e.Exception?.Message == FaultyListSubjects.Message);
        Assert.Equal("ListSubjects", error.Field("HubMethod"));
        Assert.Contains(nameof(FaultyListSubjects), error.Exception!.StackTrace, StringComparison.Ordinal);
    }

    private static double Refused(string metrics) =>
        PrometheusText.Value(metrics, "messagequeue_requests_total", ("door", "hub"), ("outcome", "refused"));

    private static async Task<string> ScrapeAsync(HttpClient http) => await http.GetStringAsync("/metrics");

    /// <summary>Stands for a bug: a hub call that fails with an exception the gateway did not mean to throw.</summary>
    private sealed class FaultyListSubjects : IHubFilter
    {
        public const string Message = "a fault of the gateway's own";

        public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next) =>
            invocation.HubMethodName == "ListSubjects" ? Throw() : next(invocation);

        private static ValueTask<object?> Throw() => throw new InvalidOperationException(Message);
    }
}
