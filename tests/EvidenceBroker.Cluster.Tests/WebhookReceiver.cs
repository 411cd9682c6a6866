using System.Collections.Concurrent;
using System.Net;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>
/// A webhook endpoint on loopback that counts every delivery by its webhook-id (the outbox message id). Each delivery
/// is answered on its own task, so that a burst from two nodes does not queue behind one loop past the nodes' timeout,
/// which they would count as a failed attempt and send again.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stop = new();
    private Task? loop;

    public string Url { get; private set; } = "";

    public ConcurrentDictionary<Guid, int> Deliveries { get; } = new();

    public void Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 60_000);
            Url = $"http://127.0.0.1:{port}/";
            listener.Prefixes.Clear();
            listener.Prefixes.Add(Url);
            try
            {
                listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                // port taken: try another
            }
        }

        loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                _ = Task.Run(() => Answer(context)); // the next delivery need not wait for this one's answer
            }
        });
    }

    private void Answer(HttpListenerContext context)
    {
        if (Guid.TryParse(context.Request.Headers["webhook-id"], out var id))
        {
            Deliveries.AddOrUpdate(id, 1, (_, n) => n + 1);
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // the listener is stopping
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        if (listener.IsListening)
        {
            listener.Stop();
        }

        listener.Close();
        loop?.Wait(TimeSpan.FromSeconds(5));
        stop.Dispose();
    }
}
