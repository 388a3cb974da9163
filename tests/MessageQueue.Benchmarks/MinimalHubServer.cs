using System.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The SignalR ceiling for the hub group ("minimal-server --signalr"): Kestrel with one hub at the gateway's path
/// whose Subscribe only joins the subject's group, and the minimal NetMQ door (<see cref="MinimalServer"/>) whose
/// accepted "3" is broadcast to that group, on the door's thread, as the gateway's Update message of the same shape
/// and size. No store, no catch-up, no presence; GET /memory (connections and live managed heap) is for the
/// benchmark's memory figures only and is never called while CPU or latency is measured.
/// </summary>
internal static class MinimalHubServer
{
    public const string Mode = "--signalr";

    public static int Run()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<MinimalSubjectsHub>("/hubs/subjects");
        app.MapGet("/memory", ManagedMemory);

        app.Start();
        Console.WriteLine($"Minimal SignalR server (server GC: {GCSettings.IsServerGC}) listening on {app.Urls.First()}");

        var clients = app.Services.GetRequiredService<IHubContext<MinimalSubjectsHub>>().Clients;
        var sequences = new Dictionary<string, long>(StringComparer.Ordinal);
        // On the NetMQ thread, like the gateway's sink on its fan-out loop: the send is not awaited.
        return MinimalServer.Serve((subject, text) =>
        {
            var sequence = sequences[subject] = sequences.GetValueOrDefault(subject) + 1;
            var now = DateTimeOffset.UtcNow;
            var update = new HubUpdate(subject, sequence, text, now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond)), "zmq");
            _ = clients.Group(MinimalSubjectsHub.GroupOf(subject)).SendAsync("Update", update);
        });
    }

    /// <summary>Live managed bytes after a full blocking collection, and the connections open.</summary>
    private static MemoryReading ManagedMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return new MemoryReading(MinimalSubjectsHub.Connections, GC.GetTotalMemory(forceFullCollection: true), GCSettings.IsServerGC);
    }

    /// <summary>The gateway's UpdateResource as its JSON protocol writes it (camel case, door as a string).</summary>
    private sealed record HubUpdate(string Subject, long Sequence, string Text, DateTimeOffset Timestamp, string Door);
}

/// <summary>What GET /memory of the minimal SignalR server answers.</summary>
internal sealed record MemoryReading(int Connections, long ManagedBytes, bool ServerGc);

/// <summary>Joins groups, nothing else: the same Subscribe(subject, afterSequence) signature as the gateway's hub.</summary>
internal sealed class MinimalSubjectsHub : Hub
{
    private static int s_connections;

    public static int Connections => Volatile.Read(ref s_connections);

    public static string GroupOf(string subject) => "subject:" + subject;

    public override Task OnConnectedAsync()
    {
        Interlocked.Increment(ref s_connections);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        Interlocked.Decrement(ref s_connections);
        return Task.CompletedTask;
    }

    public Task Subscribe(string subject, long? afterSequence) =>
        Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(subject), Context.ConnectionAborted);
}
