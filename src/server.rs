//! The actix application: routes, middleware, error handlers for actix's own rejections, and the
//! HTTP server around them.

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use std::sync::LazyLock;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError, http::header, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::api::{self, AppState};
use crate::error::{AppError, FieldCode};
use crate::observability;
use crate::openapi::ApiDoc;

/// The whole application for one worker.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config.cors_origins);
    let (app, _) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(web::Data::new(state))
        .app_data(web::PathConfig::default().error_handler(|err, req| {
            // A literal path that a typed parameter also matched (`/media/gc` against
            // `/media/{id}`): the method is the mistake, not the parameter.
            match allowed_methods(req.path()) {
                Some(allow) if !allow.split(", ").any(|m| m == req.method().as_str()) => {
                    let mut response = AppError::MethodNotAllowed.error_response();
                    if let Ok(value) = header::HeaderValue::from_str(&allow) {
                        response.headers_mut().insert(header::ALLOW, value);
                    }
                    actix_web::error::InternalError::from_response(err, response).into()
                }
                _ => AppError::bad_param("path", FieldCode::Invalid, err.to_string()).into(),
            }
        }))
        .configure(api::configure)
        .split_for_parts();
    app.service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::from(OPENAPI_PATH)))
        .service(web::resource(OPENAPI_PATH).route(web::get().to(serve_openapi)))
        .service(web::resource("/docs").route(web::get().to(docs_redirect)))
        .default_service(web::to(no_route))
        .wrap(from_fn(crate::http_cache::layer))
        .wrap(from_fn(response_policies))
        .wrap(from_fn(reject_malformed))
        .wrap(cors)
        .wrap(security_headers())
        .wrap(from_fn(observability::request::observe))
}

/// Content Security Policy for the interactive docs: only this origin's scripts; Swagger UI needs
/// inline styles and data: images.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// Content Security Policy for everything else: JSON is never a document to run.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Per-response policies that depend on the request: caching of authenticated answers and the
/// Content Security Policy.
async fn response_policies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Whatever a token unlocks is the caller's alone: never stored by shared caches.
    let authenticated = req.headers().contains_key(header::AUTHORIZATION);
    let csp = if req.path().starts_with("/docs") {
        DOCS_CSP
    } else {
        API_CSP
    };
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if authenticated {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(csp),
    );
    Ok(response)
}

/// Malformed requests are answered before any route sees them: a request target or headers
/// over their limits (414, 431), or a path or query whose percent-escapes do not decode to UTF-8
/// (400).
async fn reject_malformed(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limits = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.config.max_uri_bytes, s.config.max_header_bytes));
    let (max_uri, max_headers) = limits.unwrap_or((49_152, 16_384));
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let decodes = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8().is_ok();
    let error = if uri_len > max_uri {
        Some(AppError::UriTooLong(format!(
            "The request target is longer than {max_uri} bytes."
        )))
    } else if header_len > max_headers {
        Some(AppError::HeadersTooLarge(format!(
            "The request headers are larger than {max_headers} bytes."
        )))
    } else if !decodes(req.path()) || !decodes(req.query_string()) {
        Some(AppError::bad_param(
            "uri",
            FieldCode::InvalidUtf8,
            "percent-escapes must decode to UTF-8",
        ))
    } else {
        None
    };
    if let Some(error) = error {
        return Ok(req.into_response(error.error_response()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Where the OpenAPI document is served.
const OPENAPI_PATH: &str = "/openapi.json";

/// The OpenAPI document, serialized once per process: each worker's app used to hold its own
/// copy of the document (about 4.5 MB each) and serialize it again for every request.
async fn serve_openapi() -> HttpResponse {
    static DOCUMENT: LazyLock<web::Bytes> = LazyLock::new(|| {
        web::Bytes::from(serde_json::to_vec(&openapi_spec()).expect("the OpenAPI document serializes"))
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.clone())
}

/// The OpenAPI document of the whole API, as served at `/openapi.json`.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::configure)
        .split_for_parts();
    crate::openapi::complete(spec)
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Requests no route took: 405 with `Allow` when the path exists under other methods, else 404.
async fn no_route(req: HttpRequest) -> Result<HttpResponse, AppError> {
    match allowed_methods(req.path()) {
        Some(allow) if req.method() == Method::OPTIONS => Ok(HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow))
            .finish()),
        Some(allow) => {
            let mut response = AppError::MethodNotAllowed.error_response();
            response.headers_mut().insert(
                header::ALLOW,
                header::HeaderValue::from_str(&allow).map_err(AppError::internal)?,
            );
            Ok(response)
        }
        None => Err(AppError::not_found("No route matches this path.")),
    }
}

/// The methods the documented routes accept at `path`, as an `Allow` value.
fn allowed_methods(path: &str) -> Option<String> {
    static ROUTES: LazyLock<Vec<(ResourceDef, Vec<String>)>> = LazyLock::new(|| {
        openapi_spec()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let mut methods: Vec<String> = item
                    .get
                    .iter()
                    .map(|_| "GET")
                    .chain(item.post.iter().map(|_| "POST"))
                    .chain(item.put.iter().map(|_| "PUT"))
                    .chain(item.patch.iter().map(|_| "PATCH"))
                    .chain(item.delete.iter().map(|_| "DELETE"))
                    .map(str::to_owned)
                    .collect();
                methods.push("OPTIONS".to_owned());
                (ResourceDef::new(template.as_str()), methods)
            })
            .collect()
    });
    ROUTES
        .iter()
        .find(|(def, _)| def.is_match(path))
        .map(|(_, methods)| methods.join(", "))
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// CORS for the configured origins only; none configured means no cross-origin access.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Serves until SIGINT or SIGTERM, then stops accepting, lets requests in flight finish (up to
/// `DATELINE_SHUTDOWN_TIMEOUT_SECS`), and returns; the pool closes when the state is dropped.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let config = state.config.clone();
    tracing::info!(bind = %config.bind, backend = config.database_url.backend_name(), "serving");
    crate::http_cache::purge::spawn(&state);
    crate::webhooks::worker::spawn(&state);
    crate::documents::rebuild::spawn(&state);
    crate::db::replicas::spawn(&state);
    let main = {
        let state = state.clone();
        HttpServer::new(move || app(state.clone()))
            .workers(config.workers)
            .shutdown_timeout(config.shutdown_timeout.as_secs())
            .client_request_timeout(config.header_timeout)
            .bind(config.bind)?
            .run()
    };
    let Some(metrics_bind) = config.metrics_bind else {
        return main.await;
    };
    tracing::info!(bind = %metrics_bind, "serving /metrics");
    let metrics = HttpServer::new(move || {
        let state = state.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let state = state.clone();
                async move { api::metrics::exposition(&state) }
            }),
        )
    })
    .workers(1)
    .shutdown_timeout(1)
    .bind(metrics_bind)?
    .run();
    // Both listen for the same signals; the process ends when both have stopped.
    let (main, metrics) = futures_util::future::join(main, metrics).await;
    main.and(metrics)
}
