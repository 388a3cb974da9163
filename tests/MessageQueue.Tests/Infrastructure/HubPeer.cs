using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Realtime;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>A .NET SignalR client of the gateway's hub that keeps what the server pushes in order.</summary>
public sealed class HubPeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Channel<UpdateResource> _updates = Channel.CreateUnbounded<UpdateResource>();
    private readonly Channel<string> _deleted = Channel.CreateUnbounded<string>();
    private readonly Channel<Overview> _overviews = Channel.CreateUnbounded<Overview>();

    private HubPeer(HubConnection connection)
    {
        Connection = connection;
        connection.On<UpdateResource>(nameof(ISubjectsClient.Update), u => _updates.Writer.TryWrite(u));
        connection.On<string>(nameof(ISubjectsClient.SubjectDeleted), s => _deleted.Writer.TryWrite(s));
        connection.On<Overview>(nameof(ISubjectsClient.Overview), o => _overviews.Writer.TryWrite(o));
    }

    public HubConnection Connection { get; }

    /// <param name="gateway">The gateway's HTTP address.</param>
    /// <param name="apiKey">Sent as the access token, as browsers do.</param>
    public static async Task<HubPeer> ConnectAsync(Uri gateway, string? apiKey = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, "/hubs/subjects"), o => o.AccessTokenProvider = () => Task.FromResult(apiKey))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)))
            .Build();
        var peer = new HubPeer(connection);
        await connection.StartAsync();
        return peer;
    }

    public Task<Subscription> SubscribeAsync(string subject, long? afterSequence = null) =>
        Connection.InvokeAsync<Subscription>("Subscribe", subject, afterSequence);

    public Task<UpdateResource> PostAsync(string subject, string text) =>
        Connection.InvokeAsync<UpdateResource>("PostUpdate", subject, text);

    public async Task<UpdateResource> NextUpdateAsync() => await Next(_updates);

    public async Task<string> NextDeletedAsync() => await Next(_deleted);

    public async Task<Overview> NextOverviewAsync() => await Next(_overviews);

    /// <summary>An update received and not yet taken, if any.</summary>
    public bool TryTakeUpdate(out UpdateResource? update) => _updates.Reader.TryRead(out update);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    private static async Task<T> Next<T>(Channel<T> channel)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await channel.Reader.ReadAsync(timeout.Token);
    }
}
