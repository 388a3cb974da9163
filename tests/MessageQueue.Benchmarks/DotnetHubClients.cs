using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace MessageQueue.Benchmarks;

/// <summary>
/// SignalR clients as a .NET application writes them: one HubConnection each (WebSockets, no negotiation, the JSON
/// protocol), a handler for Update that receives the deserialized argument, and Subscribe invoked and awaited. The
/// client parses every message in full and runs the handler on its own schedule, so an arrival is stamped in the handler.
/// </summary>
internal sealed class DotnetHubClients(int count, int capacity) : HubClients(count, capacity)
{
    private readonly HubConnection?[] _connections = new HubConnection?[count];
    private volatile bool _closing;

    protected override async ValueTask ConnectAsync(int index, Uri hub, string subject, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(hub, HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .Build();
        _connections[index] = connection;
        connection.On<UpdateText>("Update", update => OnUpdate(index, update.Text));
        connection.Closed += exception =>
        {
            if (!_closing)
                Fail($"connection {index} closed: {exception?.Message ?? "by the server"}");
            return Task.CompletedTask;
        };
        await connection.StartAsync(cancellationToken);
        // The gateway answers the subject's state, the minimal server nothing: the result is not read.
        await connection.InvokeAsync("Subscribe", subject, null, cancellationToken);
        Subscribed();
    }

    protected override void Close()
    {
        _closing = true;
        var stopping = _connections.Where(c => c is not null).Select(c => c!.DisposeAsync().AsTask());
        Task.WhenAll(stopping).Wait(TimeSpan.FromSeconds(10));
    }

    private void OnUpdate(int index, string? text)
    {
        var receivedAt = Stopwatch.GetTimestamp();
        if (text is { Length: > 1 } && long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            Received(index, text[0], number, receivedAt);
    }

    /// <summary>The one field of the Update argument the benchmark reads (the JSON protocol ignores the others).</summary>
    private sealed record UpdateText(string? Text);
}
