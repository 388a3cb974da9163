using System.CommandLine;
using NetMQ;

namespace MessageQueue.Client.Cli;

/// <summary><c>keygen</c>: a new CurveZMQ key pair in Z85, for the gateway (its secret key) and its clients (the public key).</summary>
internal static class KeygenCommand
{
    public static Command Create()
    {
        var command = new Command("keygen", """
            Print a new CurveZMQ key pair in Z85: give the secret key to the gateway (Zmq__Curve__ServerSecretKey) and the
            public key to its clients (--server-key or MQ_SERVER_KEY). Connects to nothing.
            """);
        command.SetAction(_ =>
        {
            var pair = new NetMQCertificate();
            Console.WriteLine($"public-key: {pair.PublicKeyZ85}");
            Console.WriteLine($"secret-key: {pair.SecretKeyZ85}");
            return ExitCodes.Success;
        });
        return command;
    }
}
