using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// Small socket buffers on both ends, so a client that stops reading stalls the server's sends after kilobytes,
/// not megabytes: how tests make a slow client without sending megabytes.
/// </summary>
public static class SmallWindows
{
    /// <summary>The gateway's accepted connections get an 8 KiB send buffer.</summary>
    public static void SmallSendBuffers(IWebHostBuilder host) =>
        host.ConfigureServices(services => services.Configure<SocketTransportOptions>(o => o.CreateBoundListenSocket = endpoint =>
        {
            var listener = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            listener.SendBufferSize = 8192; // accepted connections inherit it
            return listener;
        }));

    /// <summary>A handler whose connections take 4 KiB before they stop the sender. Keep it as long as its connections.</summary>
    public static SocketsHttpHandler TinyReceiveWindowHandler() => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
}
