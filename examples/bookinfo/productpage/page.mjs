// HTML for productpage's index and product page, shaped like the real templates:
// the reviews block names the pod that served it and shows stars in the reviews
// version's colour (v1 none, v2 black, v3 red), which is how users tell versions apart.
export const PRODUCTS = Object.freeze([
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
  },
]);

export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="static/bookinfo.css">
</head>
<body>
${body}
</body>
</html>
`;
}

function navbar(user) {
  const account = user
    ? `<p class="navbar-user"><span class="user">${escapeHtml(user)}</span> ( <a href="logout">sign out</a> )</p>`
    : `<form class="login" method="post" action="login">
  <input type="text" name="username" placeholder="User name" aria-label="User name">
  <input type="password" name="passwd" placeholder="Password" aria-label="Password">
  <button type="submit">Sign in</button>
</form>`;
  return `<nav class="navbar"><a class="navbar-brand" href="#">BookInfo Sample</a>${account}</nav>`;
}

function detailsBlock({ status, body }) {
  if (status !== 200) {
    return `<h4 class="error">Error fetching product details!</h4>\n<p class="error-text">${escapeHtml(body.error)}</p>`;
  }
  const rows = [
    ['Type', body.type],
    ['Pages', body.pages],
    ['Publisher', body.publisher],
    ['Language', body.language],
    ['ISBN-10', body['ISBN-10']],
    ['ISBN-13', body['ISBN-13']],
  ];
  return `<dl class="details">${rows.map(([k, v]) => `<dt>${k}:</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function starsHtml(rating) {
  if (!rating) return '';
  if (typeof rating.stars === 'number') {
    const full = Math.max(0, Math.min(5, Math.round(rating.stars)));
    const glyphs = `${'<span class="glyphicon glyphicon-star">&#9733;</span>'.repeat(full)}${'<span class="glyphicon glyphicon-star-empty">&#9734;</span>'.repeat(5 - full)}`;
    return `<font color="${escapeHtml(rating.color)}" class="stars stars-${escapeHtml(rating.color)}">${glyphs}</font>`;
  }
  if (rating.error) return `<p class="rating-error"><i>${escapeHtml(rating.error)}</i></p>`;
  return '';
}

function reviewsBlock({ status, body }) {
  if (status !== 200) {
    return `<h4 class="error">Error fetching product reviews!</h4>\n<p class="error-text">${escapeHtml(body.error)}</p>`;
  }
  const reviews = Array.isArray(body.reviews) ? body.reviews : [];
  const quotes = reviews.map((review) => `<blockquote>
<p>${escapeHtml(review.text)}</p>
<small>${escapeHtml(review.reviewer)}</small>
${starsHtml(review.rating)}
</blockquote>`).join('\n');
  const cluster = body.clustername && body.clustername !== 'null' ? ` on cluster <u>${escapeHtml(body.clustername)}</u>` : '';
  return `${quotes}\n<dl class="served-by"><dt>Reviews served by:</dt><dd><u class="reviews-pod">${escapeHtml(body.podname)}</u>${cluster}</dd></dl>`;
}

export function renderProductPage({ user, product, details, reviews }) {
  return layout('Simple Bookstore App', `${navbar(user)}
<main class="container">
<h1 class="title">${escapeHtml(product.title)}</h1>
<p class="summary">Summary: ${product.descriptionHtml}</p>
<div class="columns">
<section class="column"><h4 class="heading">Book Details</h4>
${detailsBlock(details)}
</section>
<section class="column"><h4 class="heading">Book Reviews</h4>
${reviewsBlock(reviews)}
</section>
</div>
</main>`);
}

export function renderIndex(serviceTable) {
  const rows = serviceTable.map(([name, url]) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(url)}</td></tr>`).join('');
  return layout('Simple Bookstore App', `<main class="container">
<h3>Hello! This is a simple bookstore application consisting of three services as shown below</h3>
<table class="services"><tr><th>name</th><th>endpoint</th></tr>${rows}</table>
<p>Click on one of the links below to auto generate a request to the backend as a real user or a tester</p>
<p><a href="productpage?u=normal">Normal user</a></p>
<p><a href="productpage?u=test">Test user</a></p>
</main>`);
}
