import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The server as the agent reaches it: its base URL and the reader's credential, sent as
/// `Authorization: Bearer` on every request.
public struct ServerClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
    }

    public let baseURL: URL
    let credential: String
    let session: URLSession
    public var timeout: TimeInterval = 30

    public init(baseURL: URL, credential: String) throws(AgentError) {
        guard let scheme = baseURL.scheme?.lowercased(), scheme == "http" || scheme == "https", baseURL.host != nil else {
            throw .invalidConfiguration("server URL must be http(s)://host[:port]")
        }
        let trimmed = credential.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.contains(where: \.isNewline) else {
            throw .invalidConfiguration("reader credential is empty or spans several lines")
        }
        self.baseURL = baseURL
        self.credential = trimmed
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    /// Sends one request; throws `AgentError.upload` when no HTTP answer came back.
    public func send(_ method: String, _ path: String, json body: Data? = nil) async throws(AgentError) -> Response {
        var request = URLRequest(url: baseURL.appending(path: path))
        request.httpMethod = method
        request.timeoutInterval = timeout
        request.setValue("Bearer \(credential)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw AgentError.upload("answer was not HTTP") }
            return Response(status: http.statusCode, body: data)
        } catch let error as AgentError {
            throw error
        } catch {
            throw .upload("\(method) \(path) failed: \(error.localizedDescription)")
        }
    }
}

/// Services are described in debug logs (ServiceLifecycle lists them at start); the reader
/// credential must never appear there.
extension ServerClient: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "ServerClient(\(baseURL.absoluteString))" }
    public var debugDescription: String { description }
}
