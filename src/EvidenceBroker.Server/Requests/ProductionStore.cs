using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// Keeps production packages on disk, outside the database, hashing them as they stream in so that the
/// recorded SHA-256 is of exactly the bytes stored.
/// </summary>
public sealed class ProductionStore(IOptions<StorageOptions> options)
{
    private string Root => Path.GetFullPath(options.Value.Root);

    public long MaxBytes => options.Value.MaxProductionBytes;

    public async Task<(string RelativePath, long Size, string Sha256)> SaveAsync(Guid requestId, Guid productionId, Stream body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        var relative = Path.Combine(requestId.ToString("N"), productionId.ToString("N") + ".bin");
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var buffer = new byte[81920];
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                size += read;
                if (size > MaxBytes)
                {
                    throw new BadHttpRequestException($"A production may be at most {MaxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }

            await file.FlushAsync(ct);
        }
        catch
        {
            Delete(relative);
            throw;
        }

        return (relative, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public Stream Open(string relativePath) =>
        new FileStream(Path.Combine(Root, relativePath), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);

    public void Delete(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
