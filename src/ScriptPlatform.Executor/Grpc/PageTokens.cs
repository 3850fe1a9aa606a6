using System.Globalization;
using System.Text;
using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;

namespace ScriptPlatform.Executor.Grpc;

/// <summary>Opaque page tokens (an offset, base64-wrapped so clients do not build them).</summary>
internal static class PageTokens
{
    public static (int Offset, int Size) Read(PageRequest? page, int defaultSize, int maxSize)
    {
        var size = page is null || page.PageSize <= 0 ? defaultSize : Math.Min(page.PageSize, maxSize);
        if (page is null || string.IsNullOrEmpty(page.PageToken))
        {
            return (0, size);
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(page.PageToken));
            if (text.StartsWith("o:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return (offset, size);
            }
        }
        catch (FormatException)
        {
        }

        throw new RpcException(new Status(StatusCode.InvalidArgument, "page.page_token is not a token this server issued; start again with an empty token."));
    }

    public static PageResponse Write(int offset, int returned, long total) => new()
    {
        NextPageToken = offset + returned < total ? Convert.ToBase64String(Encoding.UTF8.GetBytes($"o:{offset + returned}")) : "",
        TotalSize = total,
    };
}
