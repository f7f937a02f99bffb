import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Logging in and out: JSON for API clients, a form and cookie for the web pages.
struct AuthController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.post, "/api/v1/login", .public, apiLogin),
            AppRoute(.post, "/api/v1/logout", .user(.ownAccount), apiLogout),
            AppRoute(.get, "/api/v1/me", .user(.ownAccount), me),
            AppRoute(.get, "/login", .public, loginPage),
            AppRoute(.post, "/login", .public, webLogin),
            AppRoute(.post, "/logout", .user(.ownAccount), webLogout),
        ]
    }

    struct Credentials: Decodable {
        var username: String
        var password: String
    }

    struct SessionView: Encodable {
        var token: String
        var expiresAt: Date
        var user: UsersController.UserView
    }

    @Sendable func apiLogin(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await APIJSON.decode(Credentials.self, from: request, context: context)
        let user = try await services.sessions.verify(username: body.username, password: body.password, address: context.remoteAddress)
        let loggedIn = try await services.sessions.open(for: user)
        var response = try APIJSON.response(
            SessionView(token: loggedIn.token.value, expiresAt: loggedIn.session.expiresAt, user: .init(user)), status: .created
        )
        response.setCookie(sessionCookie(loggedIn.token.value, maxAge: Int(services.configuration.sessionLifetime)))
        return response
    }

    @Sendable func apiLogout(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let session = context.session else { throw ALPRError.unauthenticated(reason: "log in first") }
        try await services.sessions.close(session, user: try context.requireUser())
        var response = try APIJSON.response(["logged_out": true])
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        try APIJSON.response(UsersController.UserView(try context.requireUser()))
    }

    @Sendable func loginPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        services.pages.render("login", [:])
    }

    struct LoginForm: Decodable {
        var username: String
        var password: String
    }

    @Sendable func webLogin(_ request: Request, context: AppRequestContext) async throws -> Response {
        try APIJSON.requireContentType(request, "application/x-www-form-urlencoded")
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        let form: LoginForm
        do {
            form = try URLEncodedFormDecoder().decode(LoginForm.self, from: String(buffer: buffer))
        } catch {
            return services.pages.render("login", ["error": "Enter your username and password."], status: .badRequest)
        }
        do {
            let user = try await services.sessions.verify(username: form.username, password: form.password, address: context.remoteAddress)
            let loggedIn = try await services.sessions.open(for: user)
            var response = Response(status: .seeOther, headers: [.location: "/search"])
            response.setCookie(sessionCookie(loggedIn.token.value, maxAge: Int(services.configuration.sessionLifetime)))
            return response
        } catch let error as ALPRError {
            return services.pages.render("login", ["error": ErrorMiddleware.describe(error).reason], status: .unauthorized)
        } catch let error as RequestError {
            return services.pages.render("login", ["error": error.reason], status: error.status)
        }
    }

    @Sendable func webLogout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let session = context.session { try await services.sessions.close(session, user: try context.requireUser()) }
        var response = Response(status: .seeOther, headers: [.location: "/login"])
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }

    /// HttpOnly and SameSite=Strict: scripts cannot read it and other sites cannot post with it.
    func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: SessionToken.cookieName, value: value, maxAge: maxAge, path: "/", secure: false, httpOnly: true, sameSite: .strict)
    }
}
