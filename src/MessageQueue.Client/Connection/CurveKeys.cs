using MessageQueue.Shared;
using NetMQ;

namespace MessageQueue.Client.Connection;

/// <summary>
/// CurveZMQ for the client's sockets: the gateway's public key, and this client's own key pair (a fresh one per run when
/// none is given; the gateway's NetMQ admits any client key, so only the server's key must be right).
/// </summary>
internal sealed class CurveKeys(byte[] serverPublicKey, NetMQCertificate client)
{
    /// <summary>Makes <paramref name="socket"/> a CURVE client; call before it connects.</summary>
    public void ApplyTo(NetMQSocket socket)
    {
        socket.Options.CurveServerKey = serverPublicKey;
        socket.Options.CurveCertificate = client;
    }

    /// <param name="serverPublicKey">Z85, already checked by <see cref="Z85Key.Problem"/>.</param>
    /// <param name="clientSecretKey">Z85, already checked; null for a fresh key pair.</param>
    public static CurveKeys From(string serverPublicKey, string? clientSecretKey) => new(
        NetMQCertificate.FromPublicKey(serverPublicKey).PublicKey,
        clientSecretKey is null ? new NetMQCertificate() : NetMQCertificate.CreateFromSecretKey(clientSecretKey));
}
