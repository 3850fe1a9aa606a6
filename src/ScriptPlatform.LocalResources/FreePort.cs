using System.Net;
using System.Net.Sockets;

namespace ScriptPlatform.LocalResources;

/// <summary>Free loopback ports, for servers started here and by the AppHost.</summary>
public static class FreePort
{
    /// <summary>
    /// Asks the kernel for a free loopback port. Another process may take it before the server binds,
    /// so callers retry a failed start with a new port.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts TCP connections on the loopback port.</summary>
    public static async Task WaitUntilAcceptingAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
